"""Who is who: match keys, candidate search, match scoring, merges."""
