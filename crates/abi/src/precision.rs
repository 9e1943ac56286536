//! The arithmetic of the encoders' linear layers, and what this processor multiplies natively.

use serde::{Deserialize, Serialize};

/// Arithmetic of the encoder's linear layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// The fastest of float32 and the precisions this processor multiplies natively, as
    /// measured on it by `docgraph tune` (docgraph resolves it before a model loads). Where it
    /// was never measured: [`Precision::by_flags`].
    #[default]
    Auto,
    /// float32 throughout: the arithmetic the models were trained in.
    Float32,
    /// bfloat16 products in the linear layers (float32 accumulation). On processors without
    /// AVX-512 BF16 oneDNN emulates it, slower than float32.
    BFloat16,
    /// 8-bit integer products in the linear layers, with a scale per weight row and per token
    /// (`docgraph_torch::encoder::int8`). Fast where the processor has AVX-512 VNNI
    /// ([`int8_native`]).
    Int8,
}

impl Precision {
    /// Every precision, [`Precision::Auto`] first.
    pub const ALL: [Precision; 4] = [
        Precision::Auto,
        Precision::Float32,
        Precision::BFloat16,
        Precision::Int8,
    ];

    /// [`Precision::Auto`] resolved by the processor's flags alone, for where nothing was
    /// measured: int8 where the processor multiplies bytes natively ([`int8_native`]), unless
    /// it has AMX tiles for bfloat16 ([`amx_bf16`]); bfloat16 there and where it multiplies
    /// bfloat16 natively without VNNI ([`bf16_native`]); else float32. Other precisions are
    /// themselves.
    pub fn by_flags(self) -> Precision {
        match self {
            Precision::Auto if amx_bf16() => Precision::BFloat16,
            Precision::Auto if int8_native() => Precision::Int8,
            Precision::Auto if bf16_native() => Precision::BFloat16,
            Precision::Auto => Precision::Float32,
            p => p,
        }
    }

    /// Its number in the plugin's interface ([`crate::Api::load`]).
    pub fn code(self) -> u32 {
        match self {
            Precision::Auto => 0,
            Precision::Float32 => 1,
            Precision::BFloat16 => 2,
            Precision::Int8 => 3,
        }
    }

    /// The precision numbered `code` (see [`Precision::code`]).
    pub fn from_code(code: u32) -> Option<Precision> {
        Precision::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Auto => "auto",
            Precision::Float32 => "float32",
            Precision::BFloat16 => "bfloat16",
            Precision::Int8 => "int8",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Precision::Auto),
            "float32" | "f32" => Ok(Precision::Float32),
            "bfloat16" | "bf16" => Ok(Precision::BFloat16),
            "int8" => Ok(Precision::Int8),
            _ => Err(format!(
                "unknown precision {s:?} (auto, float32, bfloat16 or int8)"
            )),
        }
    }
}

/// Whether this processor multiplies bfloat16 natively (AVX-512 BF16: Intel Cooper Lake and
/// Sapphire Rapids onwards, AMD Zen 4 onwards).
pub fn bf16_native() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512bf16")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this processor has AMX tiles that multiply bfloat16 (Intel Sapphire Rapids
/// onwards), which oneDNN uses for bfloat16 products. No such machine was at hand to measure
/// bfloat16 against int8 on, so there bfloat16 stays the default it was.
pub fn amx_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // CPUID leaf 7, sub-leaf 0: EDX bit 22 is AMX-BF16. (std's feature detection does not
        // name AMX on stable Rust.)
        #[allow(unused_unsafe)]
        let leaf = unsafe { std::arch::x86_64::__cpuid_count(7, 0) };
        leaf.edx & (1 << 22) != 0 && bf16_native()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this processor multiplies bytes natively (AVX-512 VNNI: Intel Cascade Lake and
/// later Xeons, Ice Lake onwards; AMD Zen 4 onwards). Without it oneDNN still runs 8-bit
/// products, but with 16-bit intermediate sums that can saturate, and no faster.
pub fn int8_native() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512vnni")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_names_round_trip() {
        for p in Precision::ALL {
            assert_eq!(p.name().parse::<Precision>(), Ok(p));
            assert_eq!(Precision::from_code(p.code()), Some(p));
        }
        assert!("fp8".parse::<Precision>().is_err());
        assert_eq!(Precision::from_code(99), None);
    }

    #[test]
    fn flags_resolve_auto_to_a_precision_that_runs() {
        assert_ne!(Precision::Auto.by_flags(), Precision::Auto);
        assert_eq!(Precision::Int8.by_flags(), Precision::Int8);
    }
}
