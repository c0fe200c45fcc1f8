//! Package-manager commands in `RUN` lines: which manager, which subcommand, which packages.
//!
//! Enough of each tool's command line to find the subcommand and its operands behind global
//! options (`apt-get -o X=Y -y install curl`, `apk --no-cache add`, `python3 -m pip install`).

use crate::parse::shell::{ShellCommand, ShellWord};

/// A package manager a Dockerfile runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// `apt-get` and `apt` (Debian, Ubuntu).
    Apt,
    /// `apk` (Alpine).
    Apk,
    /// `yum`, `dnf` and `microdnf` (Red Hat family).
    Yum,
    /// `pip`, `pip3`, `pip3.12` and `python -m pip`.
    Pip,
}

/// One package-manager invocation.
#[derive(Debug, Clone)]
pub struct PackageCommand<'c> {
    /// Which manager.
    pub manager: Manager,
    /// The word naming the tool (`apt-get`; `python3` for `python3 -m pip`).
    pub tool: &'c ShellWord,
    /// The subcommand (`install`, `add`, `del`).
    pub subcommand: &'c ShellWord,
    /// The words after the subcommand that are not options or option values: packages, or
    /// files for `pip install -r`'s siblings.
    pub operands: Vec<&'c ShellWord>,
    /// The simple command it was read from.
    pub command: &'c ShellCommand,
}

/// Options that take the next word as their value, per manager.
fn valued_options(manager: Manager) -> &'static [&'static str] {
    match manager {
        Manager::Apt => &["-o", "--option", "-c", "--config-file", "-t", "--target-release"],
        Manager::Apk => &[
            "-X",
            "--repository",
            "-p",
            "--root",
            "--arch",
            "--cache-dir",
            "--keys-dir",
            "--repositories-file",
            "-t",
            "--virtual",
        ],
        Manager::Yum => &[
            "-c",
            "--config",
            "-x",
            "--exclude",
            "--installroot",
            "--releasever",
            "--setopt",
            "--enablerepo",
            "--disablerepo",
            "--repo",
        ],
        Manager::Pip => &[
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "-t",
            "--target",
            "--prefix",
            "--root",
            "--trusted-host",
            "--cache-dir",
            "--platform",
            "--python-version",
            "--implementation",
            "--abi",
            "--src",
            "--log",
            "--proxy",
        ],
    }
}

impl<'c> PackageCommand<'c> {
    /// Reads `command` as a package-manager invocation, if it is one with a subcommand.
    pub fn parse(command: &'c ShellCommand) -> Option<PackageCommand<'c>> {
        let argv = command.argv();
        let (tool, program) = (argv.first()?, command.program()?);
        let (manager, rest) = match program {
            "apt-get" | "apt" => (Manager::Apt, argv.get(1..)?),
            "apk" => (Manager::Apk, argv.get(1..)?),
            "yum" | "dnf" | "microdnf" => (Manager::Yum, argv.get(1..)?),
            _ if is_pip(program) => (Manager::Pip, argv.get(1..)?),
            _ if is_python(program) => match argv.get(1..3) {
                Some([flag, module]) if flag.text == "-m" && is_pip(&module.text) => {
                    (Manager::Pip, argv.get(3..)?)
                }
                _ => return None,
            },
            _ => return None,
        };
        let mut positionals = positionals(rest, valued_options(manager));
        let subcommand = positionals.next()?;
        Some(PackageCommand {
            manager,
            tool,
            subcommand,
            operands: positionals.collect(),
            command,
        })
    }

    /// Whether it installs packages: `apt-get install`, `apk add`, `yum install`, `pip install`.
    pub fn is_install(&self) -> bool {
        let sub = self.subcommand.text.as_str();
        match self.manager {
            Manager::Apt | Manager::Yum | Manager::Pip => sub == "install",
            Manager::Apk => sub == "add",
        }
    }

    /// Whether it removes packages: `apt-get purge|remove|autoremove`, `apk del`,
    /// `yum remove|erase|autoremove`, `pip uninstall`.
    pub fn is_removal(&self) -> bool {
        let sub = self.subcommand.text.as_str();
        match self.manager {
            Manager::Apt => matches!(sub, "purge" | "remove" | "autoremove"),
            Manager::Apk => sub == "del",
            Manager::Yum => matches!(sub, "remove" | "erase" | "autoremove"),
            Manager::Pip => sub == "uninstall",
        }
    }

    /// The package names it operates on, without version pins (`gcc=4:12.2` → `gcc`,
    /// `requests>=2` → `requests`), each with its word.
    pub fn packages(&self) -> impl Iterator<Item = (&'c str, &'c ShellWord)> + '_ {
        self.operands.iter().map(|word| {
            let end = word
                .text
                .find(['=', '<', '>', '~', '!', '[', ';', '@'])
                .unwrap_or(word.text.len());
            (&word.text[..end], *word)
        })
    }
}

/// The words that are neither options nor the values of `valued` options.
fn positionals<'w>(
    words: &'w [ShellWord],
    valued: &'static [&'static str],
) -> impl Iterator<Item = &'w ShellWord> {
    let mut skip_next = false;
    let mut options_ended = false;
    words.iter().filter(move |word| {
        let text = word.text.as_str();
        if skip_next {
            skip_next = false;
            return false;
        }
        if options_ended {
            return true;
        }
        if text == "--" {
            options_ended = true;
            return false;
        }
        if text.starts_with('-') && text.len() > 1 {
            skip_next = valued.contains(&text);
            return false;
        }
        true
    })
}

/// `pip`, `pip3`, `pip3.12`.
fn is_pip(program: &str) -> bool {
    program
        .strip_prefix("pip")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// `python`, `python3`, `python3.12`.
pub fn is_python(program: &str) -> bool {
    program
        .strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::shell;

    fn read(script: &str) -> Vec<(Manager, String, Vec<String>)> {
        let commands = shell::split(script, 0, '\\');
        commands
            .iter()
            .filter_map(PackageCommand::parse)
            .map(|p| {
                let packages = p.packages().map(|(name, _)| name.to_owned()).collect();
                (p.manager, p.subcommand.text.clone(), packages)
            })
            .collect()
    }

    #[test]
    fn subcommands_are_found_behind_global_options() {
        let found = read(
            "apt-get -o Dpkg::Options::=--force-confnew -y install gcc=4:12.2 make \
             && apk --no-cache --virtual .deps add build-base \
             && python3 -m pip install --no-cache-dir -r req.txt 'requests>=2'",
        );
        assert_eq!(
            found,
            [
                (Manager::Apt, "install".into(), vec!["gcc".into(), "make".into()]),
                (Manager::Apk, "add".into(), vec!["build-base".into()]),
                (Manager::Pip, "install".into(), vec!["requests".into()]),
            ]
        );
    }

    #[test]
    fn other_programs_and_wrappers_are_not_package_commands() {
        assert!(
            read("pipx install black && pipenv install && python -m venv /v && aptitude install x")
                .is_empty()
        );
        assert_eq!(read("sudo /usr/bin/pip3.12 uninstall -y x")[0].1, "uninstall");
    }

    #[test]
    fn installs_and_removals_are_told_apart() {
        let commands = shell::split(
            "apk del .deps; apt-get purge -y gcc; yum install x; pip install y",
            0,
            '\\',
        );
        let parsed: Vec<_> = commands.iter().filter_map(PackageCommand::parse).collect();
        let kinds: Vec<_> = parsed.iter().map(|p| (p.is_install(), p.is_removal())).collect();
        assert_eq!(
            kinds,
            [(false, true), (false, true), (true, false), (true, false)]
        );
    }
}
