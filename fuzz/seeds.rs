//! Writes the seed corpus: `seeds DIR` creates `DIR/<target>/<name>` for every seed
//! (see `src/seeds.rs`). Existing files are overwritten; nothing else is touched.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: seeds DIR");
        std::process::exit(2);
    };
    let mut written = std::collections::BTreeMap::<&str, usize>::new();
    for seed in fjord_fuzz::seeds::all() {
        let target_dir = dir.join(seed.target);
        std::fs::create_dir_all(&target_dir)?;
        std::fs::write(target_dir.join(&seed.name), &seed.bytes)?;
        *written.entry(seed.target).or_default() += 1;
    }
    for (target, count) in written {
        println!("{count:5} seeds in {}", dir.join(target).display());
    }
    Ok(())
}
