"""Proportional asymptotics (deterministic equivalents) and one-shot data-driven tuning of ξ.

Data-free functions (spectrum in, λ on the mean-loss scale) and data functions (``X, y`` in, λ
on the summed-loss scale ``‖y − Xθ‖² + λ‖θ‖²``). All risks here are fresh-point risks
``‖θ̂ − θ*‖²_Σ + σ²``. See the theory page :doc:`/theory/asymptotics`.
"""

from ._compare import CurvatureTest as CurvatureTest
from ._compare import SDvsRidge as SDvsRidge
from ._compare import compare_sd_vs_ridge as compare_sd_vs_ridge
from ._compare import curvature_test as curvature_test
from ._equivalents import asymptotic_moments as asymptotic_moments
from ._equivalents import asymptotic_risks as asymptotic_risks
from ._equivalents import solve_kappa as solve_kappa
from ._finite_sample import finite_sample_sd as finite_sample_sd
from ._isotropic import isotropic_asymptotics as isotropic_asymptotics
from ._isotropic import isotropic_kappa as isotropic_kappa
from ._spectra import lam_to_fixed_design as lam_to_fixed_design
from ._spectra import lam_to_mse_scale as lam_to_mse_scale
from ._spectra import power_law_spectrum as power_law_spectrum
from ._spectra import spectrum_from_cov as spectrum_from_cov
from ._spectra import two_level_spectrum as two_level_spectrum
from ._tuning import cv_xi as cv_xi
from ._tuning import one_shot_xi as one_shot_xi

__all__ = [
    "CurvatureTest",
    "SDvsRidge",
    "asymptotic_moments",
    "asymptotic_risks",
    "compare_sd_vs_ridge",
    "curvature_test",
    "isotropic_asymptotics",
    "isotropic_kappa",
    "lam_to_fixed_design",
    "lam_to_mse_scale",
    "power_law_spectrum",
    "solve_kappa",
    "spectrum_from_cov",
    "two_level_spectrum",
    "cv_xi",
    "finite_sample_sd",
    "one_shot_xi",
]
