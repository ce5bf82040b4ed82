"""The One Plan domain: the OnePlan aggregate, its events and the graduated approach's rules.

Pure: imports only the standard library and `eventsourcing.domain`.
"""
