"""What every part stands on: where the warehouse's files are, the load folders, errors a user can act on, the lock, and writing files all or nothing."""
