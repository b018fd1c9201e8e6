//! The RBAC policies of the two Stytch projects: served by `GET /v1/rbac/policy`,
//! `GET /v1/b2b/rbac/policy` and `GET /v1/b2b/rbac/organizations/{organization_id}`
//! in the vendor's documented shape, and used by `authorization_check` on
//! authenticate, so the SDKs' local checks and the server always agree.
//!
//! Evaluation follows the rule the vendor's SDKs apply locally: a role grants an
//! action on a resource when one of its permissions names exactly that
//! `resource_id` and lists the action or `*`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::state::{App, StytchApi};
use super::stytch_b2b::organization_not_found;
use super::stytch_common::{StytchResult, finish};
use super::vendor_error::stytch_ok;

/// One resource: `(resource_id, description, actions)`.
type Resource = (&'static str, &'static str, &'static [&'static str]);
/// One role: `(role_id, description, [(resource_id, actions)])`.
type Role = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static [&'static str])],
);

/// The resources of the fixtures' example application.
const DOCUMENTS: Resource = (
    "documents",
    "Documents of the example application (reference-server fixture)",
    &["read", "write", "delete"],
);

/// B2B resources: Stytch's four default resources with their documented
/// actions (stytch-openapi.yml, `api_b2b_rbac_v1_PolicyResource.actions`), and
/// the fixtures' `documents`.
const B2B_RESOURCES: &[Resource] = &[
    (
        "stytch.organization",
        "Stytch default resource: the organization",
        &[
            "update.info.name",
            "update.info.slug",
            "update.info.untrusted_metadata",
            "update.info.email_jit_provisioning",
            "update.info.logo_url",
            "update.info.email_invites",
            "update.info.allowed_domains",
            "update.info.default_sso_connection",
            "update.info.sso_jit_provisioning",
            "update.info.mfa_policy",
            "update.info.implicit_roles",
            "delete",
        ],
    ),
    (
        "stytch.member",
        "Stytch default resource: the organization's members",
        &[
            "create",
            "update.info.name",
            "update.info.untrusted_metadata",
            "update.info.mfa-phone",
            "update.info.delete.mfa-phone",
            "update.settings.is-breakglass",
            "update.settings.mfa_enrolled",
            "update.settings.roles",
            "search",
            "delete",
        ],
    ),
    (
        "stytch.sso",
        "Stytch default resource: SSO connections",
        &["create", "update", "delete"],
    ),
    (
        "stytch.self",
        "Stytch default resource: the member themself",
        &[
            "update.info.name",
            "update.info.untrusted_metadata",
            "update.info.mfa-phone",
            "update.info.delete.mfa-phone",
            "update.info.delete.password",
            "update.settings.mfa_enrolled",
            "delete",
        ],
    ),
    DOCUMENTS,
];

/// B2B roles: the fixtures give members `stytch_member`, `stytch_admin`,
/// `editor` and `viewer`.
const B2B_ROLES: &[Role] = &[
    (
        "stytch_admin",
        "Stytch default role: every action on every resource",
        &[
            ("stytch.organization", &["*"]),
            ("stytch.member", &["*"]),
            ("stytch.sso", &["*"]),
            ("stytch.self", &["*"]),
            ("documents", &["*"]),
        ],
    ),
    (
        "stytch_member",
        "Stytch default role: granted to every member",
        &[("stytch.self", &["*"])],
    ),
    (
        "editor",
        "Reads and writes documents",
        &[("documents", &["read", "write"])],
    ),
    ("viewer", "Reads documents", &[("documents", &["read"])]),
];

/// Consumer resources (a consumer `resource_id` may not start with `stytch`).
const CONSUMER_RESOURCES: &[Resource] = &[DOCUMENTS];

/// Consumer roles: the fixtures give users `stytch_user` and `editor`.
const CONSUMER_ROLES: &[Role] = &[
    (
        "stytch_user",
        "Stytch default role: granted to every user",
        &[],
    ),
    (
        "editor",
        "Reads and writes documents",
        &[("documents", &["read", "write"])],
    ),
    ("viewer", "Reads documents", &[("documents", &["read"])]),
];

fn roles_of(api: StytchApi) -> &'static [Role] {
    match api {
        StytchApi::Consumer => CONSUMER_ROLES,
        StytchApi::B2b => B2B_ROLES,
    }
}

/// The session roles that allow `action` on `resource` under `api`'s policy.
pub(crate) fn granting_roles(
    api: StytchApi,
    roles: &[String],
    resource: &str,
    action: &str,
) -> Vec<String> {
    roles
        .iter()
        .filter(|role| {
            roles_of(api).iter().any(|(id, _, permissions)| {
                id == role
                    && permissions.iter().any(|(res, actions)| {
                        *res == resource && actions.iter().any(|a| *a == "*" || *a == action)
                    })
            })
        })
        .cloned()
        .collect()
}

/// The policy document (`{roles, resources, scopes}`).
pub(crate) fn policy_json(api: StytchApi) -> Value {
    let resources = match api {
        StytchApi::Consumer => CONSUMER_RESOURCES,
        StytchApi::B2b => B2B_RESOURCES,
    };
    let roles: Vec<Value> = roles_of(api)
        .iter()
        .map(|(id, description, permissions)| {
            let permissions: Vec<Value> = permissions
                .iter()
                .map(|(res, actions)| json!({"resource_id": res, "actions": actions}))
                .collect();
            json!({"role_id": id, "description": description, "permissions": permissions})
        })
        .collect();
    let resources: Vec<Value> = resources
        .iter()
        .map(|(id, description, actions)| {
            json!({"resource_id": id, "description": description, "actions": actions})
        })
        .collect();
    json!({"roles": roles, "resources": resources, "scopes": []})
}

fn policy_body(api: StytchApi) -> Response {
    let mut body = Map::new();
    body.insert("policy".into(), policy_json(api));
    stytch_ok(body)
}

/// `GET /v1/rbac/policy`.
pub(crate) async fn consumer_policy() -> Response {
    policy_body(StytchApi::Consumer)
}

/// `GET /v1/b2b/rbac/policy`.
pub(crate) async fn b2b_policy() -> Response {
    policy_body(StytchApi::B2b)
}

/// `GET /v1/b2b/rbac/organizations/{organization_id}`: no organization of the
/// fixtures has roles of its own, so `org_policy.roles` is empty.
pub(crate) async fn b2b_org_policy(
    State(app): State<Arc<App>>,
    Path(organization_id): Path<String>,
) -> Response {
    finish(
        &app,
        StytchApi::B2b,
        org_policy_inner(&app, &organization_id),
    )
}

fn org_policy_inner(app: &App, key: &str) -> StytchResult {
    if app.b2b().resolve_organization(key).is_none() {
        return Err(organization_not_found());
    }
    let mut body = Map::new();
    body.insert("org_policy".into(), json!({"roles": []}));
    Ok(stytch_ok(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn roles_grant_exactly_what_the_document_says() {
        let b2b = StytchApi::B2b;
        let member = strings(&["stytch_member", "editor"]);
        assert_eq!(
            granting_roles(b2b, &member, "documents", "write"),
            ["editor"]
        );
        assert_eq!(
            granting_roles(b2b, &member, "stytch.self", "delete"),
            ["stytch_member"]
        );
        assert!(granting_roles(b2b, &member, "documents", "delete").is_empty());
        let admin = strings(&["stytch_admin"]);
        assert_eq!(
            granting_roles(b2b, &admin, "stytch.sso", "create"),
            ["stytch_admin"]
        );
        // Exact resource match, as the SDKs evaluate it: no wildcard resources.
        assert!(granting_roles(b2b, &admin, "unknown-resource", "read").is_empty());
        let user = strings(&["stytch_user", "editor"]);
        let consumer = StytchApi::Consumer;
        assert_eq!(
            granting_roles(consumer, &user, "documents", "read"),
            ["editor"]
        );
        assert!(
            granting_roles(consumer, &strings(&["stytch_user"]), "documents", "read").is_empty()
        );
    }

    #[test]
    fn every_permission_names_a_resource_and_an_action_of_the_document() {
        for api in [StytchApi::Consumer, StytchApi::B2b] {
            let doc = policy_json(api);
            let resources = doc["resources"].as_array().unwrap();
            for role in doc["roles"].as_array().unwrap() {
                for p in role["permissions"].as_array().unwrap() {
                    let res = resources
                        .iter()
                        .find(|r| r["resource_id"] == p["resource_id"])
                        .unwrap_or_else(|| panic!("{p} names an unknown resource"));
                    for a in p["actions"].as_array().unwrap() {
                        assert!(
                            a == "*" || res["actions"].as_array().unwrap().contains(a),
                            "{a} is not an action of {}",
                            res["resource_id"]
                        );
                    }
                }
            }
            assert_eq!(doc["scopes"], json!([]));
        }
    }
}
