"""Personal data at rest: sealing under per-subject data keys, the key store, and the keyring.

`sealing` seals each personal field of an event under its subject's data key
(AES-GCM, the stored topic bound as associated data) and opens it again;
`keystore` keeps the wrapped data keys and the tombstones of shredded
subjects; `keyring` keeps the key-encryption keys by epoch, in a file apart
from the database (docs/data-classification.md, docs/retention.md).
"""
