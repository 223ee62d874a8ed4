"""Pure data types shared by every layer; this package imports nothing else from costgate."""
