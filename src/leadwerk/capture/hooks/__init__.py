"""Inbound hooks: Google Ads and Meta lead forms and a generic signed JSON hook, with dead
letters."""
