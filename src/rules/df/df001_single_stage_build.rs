//! DF001 single-stage-build.
use crate::model::packages::{Manager, PackageCommand};
use crate::parse::shell::{ShellCommand, ShellWord};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a Dockerfile with exactly one stage that compiles or installs a build toolchain,
    /// pointing at the first `RUN` word that compiles (the `go` of `go build`), else at the first
    /// toolchain package it installs. Compiling means:
    /// - `go build`, `go install`, `cargo build`/`install`, `dotnet build`/`publish`, `javac`,
    ///   `rustc`, `gcc`, `g++`, `cc`, `clang`, `make`, `cmake` (not `--version`, and not `make`
    ///   with only `test`, `check`, `lint` or `clean` targets);
    /// - `mvn`/`mvnw` with a phase that builds an artifact (`compile`, `package`, `verify`,
    ///   `install`, `deploy`), `gradle`/`gradlew` with `build`, `assemble`, `jar`, `bootJar`,
    ///   `shadowJar`, `installDist`, `war`, `classes` or `compileJava`;
    /// - `npm run build*`, `yarn build*`, `pnpm build*` or `tsc`, when the stage also installs
    ///   its dependencies (`npm ci`/`install`, `yarn`, `pnpm install`).
    ///
    /// A toolchain package is `build-essential`, `build-base`, `alpine-sdk`, `gcc`, `g++`,
    /// `gcc-c++`, `clang`, `make`, `cmake`, `golang`, `rust`, `cargo`, `maven`, `gradle` or a JDK,
    /// installed with `apt-get`, `apk`, `yum` or `dnf`.
    ///
    /// Installing interpreted dependencies alone (`pip install`, `npm ci --omit=dev`,
    /// `bundle install`) is not compiling, and running tests (`go test`, `mvn test`) is not
    /// building an artifact. A `RUN` that also removes packages (`apk del .build-deps`,
    /// `apt-get purge --auto-remove`) is the single-layer idiom that keeps build dependencies
    /// out of the image, and is not flagged; a toolchain install is also exempt when a later
    /// `RUN` of the stage removes packages. A base image that is itself a toolchain (`FROM
    /// golang`) counts only when the stage compiles with it. Development-environment images
    /// (`mcr.microsoft.com/devcontainers/…`, `gitpod/workspace-…`) are build environments on
    /// purpose and are skipped.
    ///
    /// ## Why is this bad?
    /// The runtime image then carries the compiler, the package manager's dev dependencies and
    /// the sources: hundreds of megabytes more to pull on every node, a much larger attack
    /// surface, and tools an intruder can use to build their own binaries inside the container.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23
    /// WORKDIR /src
    /// COPY . .
    /// RUN go build -o /usr/local/bin/api ./cmd/api
    /// CMD ["/usr/local/bin/api"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// WORKDIR /src
    /// COPY . .
    /// RUN CGO_ENABLED=0 go build -o /out/api ./cmd/api
    ///
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY --from=build /out/api /api
    /// CMD ["/api"]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Containerization": use multi-stage builds to separate build-time and runtime
    /// dependencies. Seed 001, §12 "Deploy in Containers": Dockerfiles should be minimal.
    pub SingleStageBuild {
        id: "DF001",
        name: "single-stage-build",
        family: Family::Df,
        severity: Severity::Warning,
        scope: Scope::Dockerfile,
        security: false,
        guideline: "seed 000 §Containerization; seed 001 §12 Deploy in Containers",
    }
}

impl Rule for SingleStageBuild {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let mut stages = image.stages();
        let (Some(stage), None) = (stages.next(), stages.next()) else {
            return;
        };
        // Development environments are build environments on purpose; nothing ships from them.
        if image
            .resolved_base(&stage)
            .is_some_and(|base| base.contains("devcontainers/") || base.starts_with("gitpod/workspace-"))
        {
            return;
        }
        let runs: Vec<Vec<ShellCommand>> = stage
            .instructions_named("RUN")
            .map(|run| image.commands(run))
            .collect();
        let node_deps = runs.iter().flatten().any(installs_node_dependencies);
        // For each RUN: whether it purges packages, and whether a later one does, found in one
        // pass from the end (a walk of the later RUNs for each RUN made long files quadratic).
        let removes: Vec<bool> = runs
            .iter()
            .map(|commands| commands.iter().any(removes_packages))
            .collect();
        let mut removed_later = vec![false; runs.len()];
        for index in (1..runs.len()).rev() {
            removed_later[index - 1] = removed_later[index] || removes[index];
        }
        let mut toolchain: Option<(&ShellWord, String)> = None;
        for ((commands, removes), removed_later) in runs.iter().zip(removes).zip(removed_later) {
            // Build dependencies installed, used and purged in one RUN never reach a layer.
            if removes {
                continue;
            }
            if let Some((word, what)) = commands.iter().find_map(|c| compiles(c, node_deps)) {
                out.report(
                    word.span,
                    format!(
                        "single {} runs `{what}`, so the build toolchain ships in the runtime image",
                        stage.describe()
                    ),
                )
                .help(help(
                    stage.base().map_or("<build image>", |b| b.text.as_str()),
                    &what,
                ));
                return;
            }
            if toolchain.is_none() && !removed_later {
                toolchain = commands.iter().find_map(toolchain_package);
            }
        }
        if let Some((word, package)) = toolchain {
            out.report(
                word.span,
                format!(
                    "single {} installs `{package}`, so the build toolchain ships in the runtime image",
                    stage.describe()
                ),
            )
            .help(help("<build image>", &format!("<build with {package}>")));
        }
    }
}

fn help(build_image: &str, build: &str) -> String {
    let (build_image, build) = (OneLine(build_image), OneLine(build));
    format!(
        "build in a first stage and copy only the result into a slim runtime stage:\n\
         FROM {build_image} AS build\nRUN {build}\n\n\
         FROM <runtime image>\nCOPY --from=build <artifact> <path>"
    )
}

/// The word that starts a compile, and the command as messages name it (`go build`).
fn compiles(command: &ShellCommand, node_deps: bool) -> Option<(&ShellWord, String)> {
    let program = command.program()?;
    let word = command.argv().first()?;
    let args: Vec<&str> = command.args().iter().map(|w| w.text.as_str()).collect();
    let positionals: Vec<&str> = args.iter().copied().filter(|a| !a.starts_with('-')).collect();
    let first = positionals.first().copied();
    let only_version = !args.is_empty()
        && args
            .iter()
            .all(|a| matches!(*a, "-v" | "--version" | "-h" | "--help"));
    let named = |sub: &str| Some((word, format!("{program} {sub}")));
    match program {
        "go" => first
            .filter(|s| matches!(*s, "build" | "install"))
            .and_then(named),
        "cargo" => first
            .filter(|s| matches!(*s, "build" | "b" | "install" | "rustc"))
            .and_then(named),
        "dotnet" => first
            .filter(|s| matches!(*s, "build" | "publish"))
            .and_then(named),
        "mvn" | "mvnw" => positionals
            .iter()
            .find(|p| matches!(**p, "compile" | "package" | "verify" | "install" | "deploy"))
            .and_then(|p| named(p)),
        "gradle" | "gradlew" => positionals
            .iter()
            .find(|p| {
                let task = p.rsplit(':').next().unwrap_or(p);
                matches!(
                    task,
                    "build"
                        | "assemble"
                        | "jar"
                        | "bootJar"
                        | "shadowJar"
                        | "installDist"
                        | "war"
                        | "classes"
                        | "compileJava"
                )
            })
            .and_then(|p| named(p)),
        "make" => {
            let chores = !positionals.is_empty()
                && positionals
                    .iter()
                    .all(|p| matches!(*p, "test" | "check" | "lint" | "clean" | "help"));
            (!only_version && !chores).then(|| (word, "make".to_owned()))
        }
        "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++" | "cmake" | "javac" | "rustc" => {
            (!only_version).then(|| (word, program.to_owned()))
        }
        "npm" | "yarn" | "pnpm" if node_deps => {
            let script = match (program, first) {
                (_, Some("run" | "run-script")) => positionals.get(1).copied(),
                ("yarn" | "pnpm", script) => script,
                _ => None,
            };
            script.filter(|s| s.starts_with("build")).map(|s| {
                let run = if program == "npm" { "run " } else { "" };
                (word, format!("{program} {run}{s}"))
            })
        }
        "tsc" if node_deps => Some((word, "tsc".to_owned())),
        "npx" if node_deps && first == Some("tsc") => named("tsc"),
        _ => None,
    }
}

/// `npm ci`, `npm install`, `yarn`, `yarn install`, `pnpm install`.
fn installs_node_dependencies(command: &ShellCommand) -> bool {
    let first = command
        .args()
        .iter()
        .find(|w| !w.text.starts_with('-'))
        .map(|w| w.text.as_str());
    match command.program() {
        Some("npm") => matches!(first, Some("ci" | "install" | "i")),
        Some("yarn") => matches!(first, None | Some("install")),
        Some("pnpm") => matches!(first, Some("install" | "i")),
        _ => false,
    }
}

/// `apk del`, `apt-get purge`/`remove`/`autoremove`, `yum remove` and the like.
fn removes_packages(command: &ShellCommand) -> bool {
    PackageCommand::parse(command).is_some_and(|p| p.manager != Manager::Pip && p.is_removal())
}

/// The first compiler or build-tool package a system package install adds, with its word.
fn toolchain_package(command: &ShellCommand) -> Option<(&ShellWord, String)> {
    let package = PackageCommand::parse(command)?;
    if package.manager == Manager::Pip || !package.is_install() {
        return None;
    }
    package
        .packages()
        .find_map(|(name, word)| is_toolchain(name).then(|| (word, name.to_owned())))
}

fn is_toolchain(name: &str) -> bool {
    matches!(
        name,
        "build-essential"
            | "build-base"
            | "alpine-sdk"
            | "gcc"
            | "g++"
            | "gcc-c++"
            | "clang"
            | "make"
            | "cmake"
            | "golang"
            | "golang-go"
            | "go"
            | "rust"
            | "rustc"
            | "cargo"
            | "maven"
            | "gradle"
            | "default-jdk"
            | "default-jdk-headless"
    ) || name.ends_with("-jdk")
        || name.ends_with("-jdk-headless")
        || (name.starts_with("java-") && name.ends_with("-openjdk-devel"))
}
