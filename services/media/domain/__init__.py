"""media's pure rules (no servers): file types and limits, HLS ladders and playlists, schedules."""
