//! `fjord install-aliases DIR`: links named after Kafka's tools (`kafka-topics`,
//! `kafka-topics.sh`, ...) pointing at this binary, so Kafka habits and scripts work.

use std::path::Path;

use anyhow::Context;

use crate::cli::{InstallAliasesArgs, KAFKA_TOOL_ALIASES};

pub fn run(args: InstallAliasesArgs) -> anyhow::Result<()> {
    let binary = std::env::current_exe().context("cannot find this binary's path")?;
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    for (alias, _) in KAFKA_TOOL_ALIASES {
        for name in [alias.to_string(), format!("{alias}.sh")] {
            link(&binary, &args.dir.join(&name))?;
            println!("{}", args.dir.join(&name).display());
        }
    }
    Ok(())
}

/// A symlink at `at` to `binary`, replacing an older link (never a regular file).
fn link(binary: &Path, at: &Path) -> anyhow::Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(at) {
        anyhow::ensure!(
            meta.file_type().is_symlink(),
            "{} exists and is not a link; not replacing it",
            at.display()
        );
        std::fs::remove_file(at).with_context(|| format!("cannot replace {}", at.display()))?;
    }
    std::os::unix::fs::symlink(binary, at)
        .with_context(|| format!("cannot create {}", at.display()))
}
