"""costgate: Terraform pre-deploy cost estimator and CI budget gate."""

__version__ = "0.1.0"
