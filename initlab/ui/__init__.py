"""The widget layer: controls generated from Config fields, panels drawing Snapshots, the Lab.

Reads the core, never reimplements it.  `from initlab import Lab` imports it lazily."""
