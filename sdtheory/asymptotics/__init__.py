"""Proportional asymptotics (deterministic equivalents) and one-shot data-driven tuning of ξ."""

from ._asymptotics import CurvatureTest as CurvatureTest
from ._asymptotics import SDvsRidge as SDvsRidge
from ._asymptotics import asymptotic_moments as asymptotic_moments
from ._asymptotics import asymptotic_risks as asymptotic_risks
from ._asymptotics import compare_sd_vs_ridge as compare_sd_vs_ridge
from ._asymptotics import curvature_test as curvature_test
from ._asymptotics import isotropic_asymptotics as isotropic_asymptotics
from ._asymptotics import isotropic_kappa as isotropic_kappa
from ._asymptotics import lam_to_fixed_design as lam_to_fixed_design
from ._asymptotics import lam_to_mse_scale as lam_to_mse_scale
from ._asymptotics import power_law_spectrum as power_law_spectrum
from ._asymptotics import solve_kappa as solve_kappa
from ._asymptotics import spectrum_from_cov as spectrum_from_cov
from ._asymptotics import two_level_spectrum as two_level_spectrum
from ._tuning import cv_xi as cv_xi
from ._tuning import finite_sample_sd as finite_sample_sd
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
