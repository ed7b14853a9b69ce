"""Filter stages: each judges one document (or a batch) and says why it removes what it removes."""
