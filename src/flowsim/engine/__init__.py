"""Running the model: one pure run (``run_one``), sweeps and executors."""
