//! How a group of settings is declared. [`settings_group!`] takes one declaration per setting
//! (its flag, environment variable, file key, type, default, check, conversion and help) and
//! makes the group's three shapes from it, so they cannot drift apart:
//!
//! - `XxxArgs`: the flags (`clap::Args`, every field optional; clap reads the flag, then the
//!   environment variable), shown under the group's heading in `--help` with the default;
//! - `XxxFile`: the keys of the TOML file (every field optional), read by [`FileGroup`];
//! - `XxxSettings`: the resolved group the rest of the server takes, built by
//!   `XxxSettings::resolve(args, file)`: flag or environment, else the file, else the default;
//!   then checked (an error names the file key) and converted (milliseconds to a `Duration`,
//!   0 to "no limit").
//!
//! A declaration reads:
//!
//! ```text
//! settings_group! {
//!     /// The group's doc.
//!     EngineSettings from EngineArgs and EngineFile, heading "Socket.IO engine";
//!     /// The setting's help text (also the resolved field's doc).
//!     ping_interval_ms -> ping_interval: Duration {
//!         flag: "ping-interval-ms", env: "AGENTCAST_PING_INTERVAL_MS", value_name: "MS",
//!         input: u64, default: 25_000, check: positive, convert: millis,
//!     }
//! }
//! ```
//!
//! The name before `->` is the file key and the field of the flag and file shapes; the one
//! after it the resolved field. `input` is the type given on the command line and in the file.
//! Without `default` the resolved field is an `Option`. `shown` replaces the default in
//! `--help` when it is not a plain value (a path in the data directory). `clap: (...)` adds
//! arguments to the flag's `#[arg]`. A group whose defaults depend on another group's values
//! says `given server: &ServerSettings` after its heading; its defaults may then use `server`.
//! A group may end its first line with `switches [...]`: flags without a value (`--demo`), on
//! when given. Attributes before the first line go on the resolved struct (its doc, more
//! derives).

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};

/// One group's part of the TOML file: the keys it owns, each read straight from the file's
/// deserializer, so an error points at the line of the key that is wrong.
pub(crate) trait FileGroup: Default {
    /// The group's keys, as written in the file.
    const KEYS: &'static [&'static str];

    /// Reads the value of `key` if it is one of this group's; `Ok(false)` if it is not (the
    /// top level offers each key to every group in turn).
    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error>;
}

/// Reads a group that is a section of its own (`[auth]`): an unknown key is an error.
pub(crate) fn deserialize_section<'de, G, D>(deserializer: D) -> Result<G, D::Error>
where
    G: FileGroup,
    D: de::Deserializer<'de>,
{
    struct Section<G>(PhantomData<G>);

    impl<'de, G: FileGroup> Visitor<'de> for Section<G> {
        type Value = G;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a table of settings")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<G, A::Error> {
            let mut group = G::default();
            while let Some(key) = map.next_key_seed(Key(G::KEYS))? {
                group.read_key(&key, &mut map)?;
            }
            Ok(group)
        }
    }

    deserializer.deserialize_map(Section(PhantomData))
}

/// A key of a table that takes only `.0`: an unknown one is refused as it is read, so the
/// error points at it.
pub(crate) struct Key(pub &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        let key = String::deserialize(deserializer)?;
        if self.0.contains(&key.as_str()) {
            Ok(key)
        } else {
            Err(de::Error::unknown_field(&key, self.0))
        }
    }
}

/// The `--help` text of a setting: its doc comment on one line, then the default.
pub(crate) fn help(doc: &[&str], default: Option<String>) -> String {
    let text = doc
        .iter()
        .map(|line| line.trim())
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // clap's style: no final period on a one-paragraph help.
    let text = text.strip_suffix('.').unwrap_or(&text);
    match default {
        Some(default) => format!("{text} [default: {default}]"),
        None => text.to_owned(),
    }
}

/// Declares a group of settings; see the [module documentation](self).
macro_rules! settings_group {
    (
        $(#[$group_meta:meta])*
        $Settings:ident from $Args:ident and $File:ident, heading $heading:literal
        $(, given $cx:ident: $Cx:ty)?
        $(, switches [
            $(
                $(#[doc = $switch_doc:literal])*
                $switch:ident -> $switch_field:ident { flag: $switch_flag:literal, env: $switch_env:literal $(,)? }
            )*
        ])?;
        $(
            $(#[doc = $doc:literal])*
            $name:ident -> $field:ident: $ty:ty {
                flag: $flag:literal,
                env: $env:literal,
                value_name: $value_name:literal,
                input: $input:ty
                $(, default: $default:expr $(, shown: $shown:expr)?)?
                $(, check: $check:path)?
                $(, convert: $convert:path)?
                $(, clap: ($($clap:tt)*))?
                $(,)?
            }
        )*
    ) => {
        $(#[$group_meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $Settings {
            $($(
                $(#[doc = $switch_doc])*
                pub $switch_field: bool,
            )*)?
            $(
                $(#[doc = $doc])*
                pub $field: $ty,
            )*
        }

        // No doc comment: clap would take it as the `about` of the command it is flattened into.
        #[derive(Debug, Default, Clone, clap::Args)]
        #[command(next_help_heading = $heading)]
        pub struct $Args {
            $($(
                #[arg(
                    long = $switch_flag,
                    env = $switch_env,
                    help = $crate::config::group::help(&[$($switch_doc),*], None)
                )]
                pub $switch: bool,
            )*)?
            $(
                #[arg(
                    long = $flag,
                    env = $env,
                    value_name = $value_name,
                    help = $crate::config::group::help(
                        &[$($doc),*],
                        $crate::config::group::settings_group!(
                            @shown $input; $($default $(, $shown)?)?
                        ),
                    )
                    $(, $($clap)*)?
                )]
                pub $name: Option<$input>,
            )*
        }

        #[derive(Debug, Default)]
        pub struct $File {
            $($(pub $switch: Option<bool>,)*)?
            $(pub $name: Option<$input>,)*
        }

        impl $crate::config::group::FileGroup for $File {
            const KEYS: &'static [&'static str] =
                &[$($(stringify!($switch),)*)? $(stringify!($name),)*];

            fn read_key<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                key: &str,
                map: &mut A,
            ) -> Result<bool, A::Error> {
                match key {
                    $($(stringify!($switch) => self.$switch = Some(map.next_value()?),)*)?
                    $(stringify!($name) => self.$name = Some(map.next_value()?),)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }

        impl<'de> serde::Deserialize<'de> for $File {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::config::group::deserialize_section(deserializer)
            }
        }

        impl $Settings {
            /// Each setting from the flag or its environment variable (clap has merged them),
            /// else the file, else the default; checked, then converted.
            pub(crate) fn resolve(
                args: $Args,
                file: $File
                $(, $cx: $Cx)?
            ) -> Result<Self, $crate::config::ConfigError> {
                Ok(Self {
                    $($(
                        $switch_field: args.$switch.then_some(true).or(file.$switch).unwrap_or(false),
                    )*)?
                    $(
                        $field: $crate::config::group::settings_group!(
                            @value stringify!($name), args.$name.or(file.$name),
                            $($default)?; $($check)?; $($convert)?
                        ),
                    )*
                })
            }
        }
    };

    (@shown $input:ty;) => {
        None
    };
    (@shown $input:ty; $default:expr) => {
        Some(<$input as $crate::config::values::Shown>::shown(&$default))
    };
    (@shown $input:ty; $default:expr, $shown:expr) => {
        Some(String::from($shown))
    };

    // No default: the resolved field is an `Option`.
    (@value $key:expr, $given:expr, ; $($check:path)?; $($convert:path)?) => {
        match $given {
            None => None,
            Some(value) => {
                $($crate::config::group::checked($key, $check(&value))?;)?
                $(let value = $convert(value);)?
                Some(value)
            }
        }
    };
    (@value $key:expr, $given:expr, $default:expr; $($check:path)?; $($convert:path)?) => {{
        let value = $given.unwrap_or_else(|| $default);
        $($crate::config::group::checked($key, $check(&value))?;)?
        $(let value = $convert(value);)?
        value
    }};
}

pub(crate) use settings_group;

/// A check's message, with the key it is about.
pub(crate) fn checked(
    key: &'static str,
    verdict: Result<(), String>,
) -> Result<(), super::ConfigError> {
    verdict.map_err(|message| super::ConfigError::Invalid { key, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_is_one_line_with_the_default() {
        let doc = [" Address to listen on.", " Port 0 picks a free port."];
        assert_eq!(
            help(&doc, Some("127.0.0.1:8080".into())),
            "Address to listen on. Port 0 picks a free port [default: 127.0.0.1:8080]"
        );
        assert_eq!(
            help(&[" TLS private key (PEM)."], None),
            "TLS private key (PEM)"
        );
    }
}
