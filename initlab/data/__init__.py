"""Data: the 2-D toys and the digits shipped in the package, preprocessing, the input plane that
the pictures share, and a student's own points (CSV or clicks)."""
