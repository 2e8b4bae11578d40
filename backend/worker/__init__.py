"""The worker process (`python -m backend.worker`): RQ jobs plus periodic jobs, or periodic jobs alone."""

# Modules whose register_jobs(settings) calls register_periodic(); a domain adds its own here
# (e.g. "backend.petitions.jobs" registering backend.petitions.flows:sweep_overdue).
JOB_MODULES: tuple[str, ...] = ("backend.petitions.jobs", "backend.officialaccount.jobs", "backend.activities.jobs",
                                 "backend.info.jobs")
