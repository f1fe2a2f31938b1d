"""Credits on screen: the budget banner and check before a paid call, the Usage page (cards,
charts, calls) and the admins' quotas."""
