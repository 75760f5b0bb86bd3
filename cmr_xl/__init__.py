"""cmr-xl: Clear My Record for Excel.

Prop 64 (HS 11361.8 / AB 1793) relief determinations from a CA DOJ research file,
for District Attorney offices working in Excel.
"""

__version__ = "0.1.0"
