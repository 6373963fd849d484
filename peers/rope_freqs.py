"""The rotary embeddings' settings and frequencies for the bench peers, from the parameters the
bench sends (the library's names and defaults: `metaltile_std::ops::RopeParams`). Written from the
published formulas: plain base^(-2i/d); Llama 3's three wavelength bands; YaRN's ramp over the pair
index between the pairs that turn beta_fast and beta_slow times over the original context, and its
attention scale 0.1·ln(factor) + 1. Standard library only, in float64.
"""

import math

# The library's defaults; a parameter missing from a request has its default.
DEFAULTS = {
    "offset": 0.0, "base": 10000.0, "rotary_dim": 0.0, "llama3_factor": 0.0, "low_freq_factor": 1.0,
    "high_freq_factor": 4.0, "yarn_factor": 0.0, "beta_fast": 32.0, "beta_slow": 1.0,
    "original_max_positions": 8192.0, "grid_width": 0.0,
}
# Launch settings of the library's kernel: no meaning to a peer.
IGNORED = ("heads_per_thread",)


def settings(params, head_dim):
    """The parameters with defaults filled in, and the rotated features."""
    unknown = sorted(set(params) - set(DEFAULTS) - set(IGNORED))
    if unknown:
        raise ValueError(f"rope takes no parameter {', '.join(unknown)}")
    p = {**DEFAULTS, **params}
    if p["grid_width"]:
        raise ValueError("2-D positions (grid_width) are not implemented by the peers")
    if p["llama3_factor"] and p["yarn_factor"]:
        raise ValueError("llama3_factor and yarn_factor exclude each other")
    rotary = int(p["rotary_dim"]) or head_dim
    return p, rotary


def scaled(p):
    """True when the frequencies are not the plain ones."""
    return bool(p["llama3_factor"] or p["yarn_factor"])


def inv_freq(p, rotary):
    """The frequency of each of the rotary // 2 pairs."""
    base, half = float(p["base"]), rotary // 2
    plain = [base ** (-2.0 * i / rotary) for i in range(half)]
    big_l = float(p["original_max_positions"])
    if p["llama3_factor"]:
        factor, low, high = float(p["llama3_factor"]), float(p["low_freq_factor"]), float(p["high_freq_factor"])
        out = []
        for f in plain:
            wavelength = 2 * math.pi / f
            if wavelength < big_l / high:
                out.append(f)
            elif wavelength > big_l / low:
                out.append(f / factor)
            else:
                smooth = (big_l / wavelength - low) / (high - low)
                out.append((1 - smooth) * f / factor + smooth * f)
        return out
    if p["yarn_factor"]:
        factor = float(p["yarn_factor"])

        def pair_at(turns):
            return rotary * math.log(big_l / (turns * 2 * math.pi)) / (2 * math.log(base))

        lo = max(math.floor(pair_at(float(p["beta_fast"]))), 0)
        hi = min(math.ceil(pair_at(float(p["beta_slow"]))), rotary - 1)
        width = hi - lo if hi > lo else 0.001
        out = []
        for i, f in enumerate(plain):
            ramp = min(max((i - lo) / width, 0.0), 1.0)
            out.append(f / factor * ramp + f * (1 - ramp))
        return out
    return plain


def attention_scale(p):
    """What cos and sin are multiplied by: YaRN's 0.1·ln(factor) + 1, else 1."""
    factor = float(p["yarn_factor"])
    return 0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0
