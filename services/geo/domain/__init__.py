"""geo's rules as plain Python: points and geofences, the GCJ-02 datum, plausibility of reports, grid cells and
k-anonymity, division codes, consent purposes and signed device reports. No I/O here."""
