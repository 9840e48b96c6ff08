"""Deep-net bridge: small JAX networks trained with the SD loss on bundled data (issue 6).

JAX is imported lazily inside the functions, never at import time of this package.
"""
