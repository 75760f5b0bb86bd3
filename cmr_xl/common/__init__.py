"""What every layer uses: errors a user can act on (`errors`), bounded reading of input
files (`inputs`, `documents`) and the thread pool that degrades to none (`threads`)."""
