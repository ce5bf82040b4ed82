"""The read side: the current-plans, audit and caseload views of the ledger.

Each view is a table in the ledger's own database with its own tracking table; its
projection turns batches of the ledger's events into rows and commits them together with the
view's new position, so a view is always exactly the projection of a prefix of the log.
`projections` imports only `domain` and the eventsourcing library; `services` wires it.
"""
