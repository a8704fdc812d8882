"""Who is asking: the client address, its country/ASN, verified bots."""
