"""jobbutik: the front desk of a Danish jobcentre's Jobbutik, in the terminal."""

__version__ = "0.1.0"
