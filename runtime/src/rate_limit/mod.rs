//! Rate limiting: token bucket and sliding windows, in memory and on Redis.
