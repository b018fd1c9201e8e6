//! `sessconform serve`: the reference server in the foreground.

use sessconform::exit;
use sessconform::server::ServerOptions;

use super::args::ServeArgs;
use super::usage_error;

/// Serves until interrupted; exit 0, or 2 when the options are invalid or the address is taken.
pub(crate) async fn serve(args: ServeArgs) -> u8 {
    let mut opts = ServerOptions {
        addr: args.addr,
        tls: args.tls,
        header_timeout: args.header_timeout,
        idle_timeout: args.idle_timeout,
        ..Default::default()
    };
    for (flag, value) in [
        ("--header-timeout", args.header_timeout),
        ("--idle-timeout", args.idle_timeout),
    ] {
        if value.is_zero() {
            return usage_error(format!(
                "invalid {flag} 0s: it would close every connection at once (e.g. {flag} 10s)"
            ));
        }
    }
    if let Some(rl) = &args.rate_limit {
        match rl.parse() {
            Ok(r) => opts.rate_limit = Some(r),
            Err(e) => return usage_error(format!("invalid --rate-limit `{rl}`: {e}")),
        }
    }
    for f in &args.fault {
        match f.parse() {
            Ok(fault) => {
                opts.faults.insert(fault);
            }
            Err(e) => return usage_error(format!("invalid --fault `{f}`: {e}")),
        }
    }
    let files = sessconform::server::ServeFiles {
        target_out: args.target_out,
        ca_out: args.ca_out,
    };
    match sessconform::server::serve(opts, files).await {
        Ok(()) => exit::SUCCESS,
        Err(e) => usage_error(e),
    }
}
