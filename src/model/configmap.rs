//! The ConfigMap view: its entries, decoded, and the settings files they hold.

use std::borrow::Cow;

use crate::model::Object;
use crate::model::secrets::base64_text;
use crate::model::settings::{Setting, SettingsFormat, settings};
use crate::parse::yaml::{Entry, Node};

/// A core ConfigMap.
#[derive(Debug, Clone, Copy)]
pub struct ConfigMap<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

/// One entry of `data` or `binaryData`.
#[derive(Debug)]
pub struct ConfigEntry<'o, 's> {
    /// `data` or `binaryData`.
    pub section: &'static str,
    /// The `key: value` entry.
    pub entry: &'o Entry<'s>,
    /// Its key (a variable name or a file name).
    pub key: &'o str,
    /// Its text: as written in `data`, decoded from base64 in `binaryData` when that is text.
    pub text: Cow<'o, str>,
}

/// The sections of a ConfigMap that hold values.
pub const CONFIGMAP_SECTIONS: [&str; 2] = ["data", "binaryData"];

impl<'o, 's> ConfigMap<'o, 's> {
    /// The ConfigMap view of a core ConfigMap.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.kind() == "ConfigMap" && object.api_group().is_empty()).then_some(ConfigMap { object })
    }

    /// Every entry with a text value, `data` first.
    pub fn entries(&self) -> Vec<ConfigEntry<'o, 's>> {
        let mut found = Vec::new();
        for section in CONFIGMAP_SECTIONS {
            let entries = self.object.root.get(section).map(Node::merged_entries);
            for entry in entries.unwrap_or_default() {
                let (Some(key), Some(raw)) = (entry.key.as_str(), entry.value.as_text()) else {
                    continue;
                };
                // Bytes that are not text cannot be read for tokens, but the key still can.
                let text = match section {
                    "binaryData" => Cow::Owned(base64_text(raw).unwrap_or_else(|| raw.to_owned())),
                    _ => Cow::Borrowed(raw),
                };
                found.push(ConfigEntry {
                    section,
                    entry,
                    key,
                    text,
                });
            }
        }
        found
    }

    /// The settings of an entry that holds a settings file (`application.yml`, `config.json`,
    /// `app.properties`, `settings.ini`, or a multi-line value under a key without an extension,
    /// such as `collector-config`, that reads as YAML mappings), at their positions in the file;
    /// `None` for any other entry, and for `binaryData`, whose positions are lost to the encoding.
    pub fn settings(&self, entry: &ConfigEntry<'o, 's>) -> Option<Vec<Setting>> {
        let unnamed = !entry.key.contains('.') && entry.text.trim_end().contains('\n');
        let format = SettingsFormat::of(entry.key).or(unnamed.then_some(SettingsFormat::Yaml))?;
        (entry.section == "data").then(|| settings(self.object.source, &entry.entry.value, format))
    }
}
