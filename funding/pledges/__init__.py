"""Pledges (认捐): enterprises promise money; staff confirm it arrived; matching follows."""
