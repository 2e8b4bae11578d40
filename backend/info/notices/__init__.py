"""Street and community notices (社区公告), outages (停水/停电/停气) included: drafted by an editor,
approved by a second person, published until they expire or are withdrawn."""
