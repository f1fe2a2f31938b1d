"""Credits: what calls cost, what was spent, and the limits on it (budgets, admin quotas, alerts).
Streamlit-free."""
