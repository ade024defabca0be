"""Virtual coffee: opt-in random pairing, with the meeting booked through a calendar port."""
