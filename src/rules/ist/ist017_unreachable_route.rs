//! IST017 unreachable-route.
use super::meshed_virtual_service;
use crate::model::mesh::{Protocol, Route};
use crate::model::network::is_templated;
use crate::parse::yaml::Node;
use crate::rules::prelude::*;
use std::collections::{BTreeSet, HashMap};

declare_rule! {
    /// ## What it does
    /// Flags, in the `http`, `tcp` and `tls` routes of a VirtualService, a route that no request
    /// can reach and a `match` entry that can never select its route, because an earlier route
    /// (or an earlier match of the same route) takes every request it would take.
    ///
    /// - A route after a route without `match` (a catch-all), or whose every match an earlier
    ///   route already matches, is unreachable; the finding points at the route (its `name`, else
    ///   its first field).
    /// - A single match that an earlier one covers is ineffective; the finding points at the
    ///   match.
    ///
    /// One match covers another when each of its conditions is also a condition of the later one
    /// and accepts at least what it accepts: the same value (`name` and `statPrefix` are not
    /// conditions, key order and quoting do not matter), a `prefix` that starts the later
    /// `prefix` or `exact` value (`uri`, `scheme`, `method`, `authority`, `headers`,
    /// `queryParams`), or an empty string match (header presence). The later match may add
    /// conditions of its own: it only narrows what it takes. Anything else (regular expressions,
    /// lists such as `sniHosts`, `sourceLabels`) must be identical to count, and a later
    /// `ignoreUriCase: true` that the earlier match lacks makes it not covered.
    ///
    /// The evidence is the VirtualService itself. Routes with a templated match and Helm chart
    /// templates (whose `{{ if }}` branches may drop either route) are left alone.
    ///
    /// ## Why is this bad?
    /// Istio tries routes in order and stops at the first that matches: the shadowed route's
    /// destinations, retries, faults or mirrors never apply. It usually means a catch-all was
    /// put first, or a fault and a mirror meant for one route were split into two list items.
    ///
    /// ## Example
    /// ```yaml
    /// kind: VirtualService
    /// spec:
    ///   http:
    ///     - route:
    ///         - destination: { host: reviews, subset: v1 }
    ///     - match:
    ///         - uri: { prefix: /api/v2 }
    ///       route:
    ///         - destination: { host: reviews, subset: v2 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: VirtualService
    /// spec:
    ///   http:
    ///     - match:
    ///         - uri: { prefix: /api/v2 }
    ///       route:
    ///         - destination: { host: reviews, subset: v2 }
    ///     - route:
    ///         - destination: { host: reviews, subset: v1 }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": if Istio is installed, define VirtualServices
    /// for routing; each route must be able to carry the traffic it is written for.
    pub UnreachableRoute {
        id: "IST017",
        name: "unreachable-route",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

impl Rule for UnreachableRoute {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(service) = meshed_virtual_service(object, cx) else {
            return;
        };
        if cx.index.in_helm_chart(object) {
            return;
        }
        for protocol in [Protocol::Http, Protocol::Tcp, Protocol::Tls] {
            let routes: Vec<Route<'_, '_>> = service.routes(protocol).collect();
            check_routes(&routes, object, out);
        }
    }
}

/// A match entry of a route: `None` stands for a route without `match`, which takes everything.
type Match<'o, 's> = Option<&'o Node<'s>>;

/// The match entries of a route, or `None` when one of them cannot be read (not a mapping, or
/// templated): such a route neither shadows nor is judged.
fn readable_matches<'o, 's>(route: &Route<'o, 's>) -> Option<Vec<Match<'o, 's>>> {
    let matches = route.matches();
    if matches.is_empty() {
        return Some(vec![None]);
    }
    matches
        .iter()
        .map(|m| (m.is_mapping() && !is_templated(m)).then_some(Some(m)))
        .collect()
}

/// What takes a match's requests first: a route and, unless it has no `match`, which of its
/// matches.
#[derive(Clone, Copy)]
struct Shadow {
    route: usize,
    matched: Option<usize>,
}

fn check_routes(routes: &[Route<'_, '_>], object: &Object<'_>, out: &mut Findings) {
    let matches: Vec<Option<Vec<Match<'_, '_>>>> = routes.iter().map(readable_matches).collect();
    let index = MatchIndex::of(&matches);
    for (route, own) in matches.iter().enumerate() {
        let Some(own) = own else {
            continue;
        };
        let shadows: Vec<Option<Shadow>> = own
            .iter()
            .enumerate()
            .map(|(position, later)| {
                let (by, at) = index.first_covering(*later, (route, position))?;
                let matched = matches[by].as_ref()?[at].map(|_| at);
                Some(Shadow { route: by, matched })
            })
            .collect();
        let by_routes: Option<Vec<Shadow>> = shadows
            .iter()
            .map(|shadow| shadow.filter(|s| s.route < route))
            .collect();
        if let Some(by_routes) = by_routes {
            report_route(routes, route, &by_routes, object, out);
            continue;
        }
        for ((position, later), shadow) in own.iter().enumerate().zip(shadows) {
            if let (Some(shadow), Some(node)) = (shadow, later) {
                report_match(routes, route, node, position, shadow, object, out);
            }
        }
    }
}

/// A condition an earlier match has that a later match must repeat, or extend for a prefix, to
/// be covered by it: the matches of a VirtualService are found by it rather than compared with
/// each other, one pair at a time.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Anchor<'t> {
    /// The condition of `field` (of header or parameter `name` in a map of string matches) has
    /// this content ([`Node::content_hash`]).
    Same {
        field: &'t str,
        name: &'t str,
        content: u64,
    },
    /// The string match of `field` (and `name`) is a `prefix` or `exact` value starting with this.
    Prefix {
        field: &'t str,
        name: &'t str,
        text: &'t str,
    },
}

/// The readable matches of every route, as (route, match) positions, found by their anchors:
/// a later match looks up the anchors it meets.
struct MatchIndex<'m, 't> {
    matches: &'m [Option<Vec<Match<'t, 't>>>],
    anchored: HashMap<Anchor<'t>, Vec<(usize, usize)>>,
    /// The lengths of the prefixes anchored under each field and name.
    prefix_lengths: HashMap<(&'t str, &'t str), BTreeSet<usize>>,
    /// Matches without a condition to anchor them (a route without `match`, presence tests):
    /// every later match is compared with them.
    unanchored: Vec<(usize, usize)>,
}

impl<'m, 't> MatchIndex<'m, 't> {
    fn of(matches: &'m [Option<Vec<Match<'t, 't>>>]) -> Self {
        let mut index = Self {
            matches,
            anchored: HashMap::new(),
            prefix_lengths: HashMap::new(),
            unanchored: Vec::new(),
        };
        let every: Vec<((usize, usize), Vec<Anchor<'t>>)> = matches
            .iter()
            .enumerate()
            .flat_map(|(route, own)| {
                own.iter()
                    .flatten()
                    .enumerate()
                    .map(move |(position, m)| ((route, position), m.map(anchors_of).unwrap_or_default()))
            })
            .collect();
        let mut shared: HashMap<Anchor<'t>, usize> = HashMap::new();
        for anchor in every.iter().flat_map(|(_, anchors)| anchors) {
            *shared.entry(*anchor).or_default() += 1;
        }
        // Each match is found by its rarest condition: a condition most routes share (a
        // method, a gateway, a port) would leave every later match many candidates.
        for (at, anchors) in every {
            match anchors.into_iter().min_by_key(|anchor| shared[anchor]) {
                Some(anchor) => {
                    if let Anchor::Prefix { field, name, text } = anchor {
                        let lengths = index.prefix_lengths.entry((field, name)).or_default();
                        lengths.insert(text.len());
                    }
                    index.anchored.entry(anchor).or_default().push(at);
                }
                None => index.unanchored.push(at),
            }
        }
        index
    }

    /// The first match, in route order and then match order, before `before` that covers
    /// `later`.
    fn first_covering(&self, later: Match<'t, 't>, before: (usize, usize)) -> Option<(usize, usize)> {
        let mut first: Option<(usize, usize)> = None;
        let mut look = |candidates: &[(usize, usize)]| {
            let limit = first.map_or(before, |found| found.min(before));
            let covering = candidates
                .iter()
                .take_while(|&&at| at < limit)
                .find(|&&(route, position)| {
                    self.matches[route]
                        .as_ref()
                        .is_some_and(|earlier| covers(earlier[position], later))
                });
            if let Some(&at) = covering {
                first = Some(at);
            }
        };
        look(&self.unanchored);
        if let Some(later) = later {
            for anchor in self.anchors_met_by(later) {
                if let Some(candidates) = self.anchored.get(&anchor) {
                    look(candidates);
                }
            }
        }
        first
    }

    /// The anchors an earlier match covering `later` may have.
    fn anchors_met_by(&self, later: &'t Node<'t>) -> Vec<Anchor<'t>> {
        let mut anchors = Vec::new();
        for entry in later.merged_entries() {
            let Some(field) = entry.key.as_str().filter(|key| !NOT_CONDITIONS.contains(key)) else {
                continue;
            };
            let Some(wanted) = later.get(field) else {
                continue;
            };
            if STRING_MATCH_MAPS.contains(&field) {
                for by_name in wanted.merged_entries() {
                    let Some(name) = by_name.key.as_str() else {
                        continue;
                    };
                    if let Some(value) = wanted.get(name) {
                        self.string_anchors_met_by(field, name, value, &mut anchors);
                    }
                }
            } else if STRING_MATCHES.contains(&field) {
                self.string_anchors_met_by(field, "", wanted, &mut anchors);
            } else if let Some(content) = wanted.content_hash() {
                anchors.push(Anchor::Same {
                    field,
                    name: "",
                    content,
                });
            }
        }
        anchors
    }

    fn string_anchors_met_by(
        &self,
        field: &'t str,
        name: &'t str,
        wanted: &'t Node<'t>,
        anchors: &mut Vec<Anchor<'t>>,
    ) {
        if let Some(content) = wanted.content_hash() {
            anchors.push(Anchor::Same { field, name, content });
        }
        let Some(lengths) = self.prefix_lengths.get(&(field, name)) else {
            return;
        };
        if wanted.merged_entries().len() != 1 {
            return;
        }
        let Some(value) = wanted.str_at("prefix").or_else(|| wanted.str_at("exact")) else {
            return;
        };
        for &length in lengths.range(..=value.len()) {
            if let Some(text) = value.get(..length) {
                anchors.push(Anchor::Prefix { field, name, text });
            }
        }
    }
}

/// The anchors of an earlier match: its conditions that must hold the same content in a later
/// match it covers, or a prefix the later's value must start; none for a match without such a
/// condition, or with a key that is no text (it covers nothing).
fn anchors_of<'t>(earlier: &'t Node<'t>) -> Vec<Anchor<'t>> {
    let mut all = Vec::new();
    for entry in earlier.merged_entries() {
        let Some(key) = entry.key.as_str() else {
            return Vec::new();
        };
        if NOT_CONDITIONS.contains(&key) || key == "ignoreUriCase" || entry.value.is_null() {
            continue;
        }
        let anchors: Vec<Anchor<'t>> = if STRING_MATCH_MAPS.contains(&key) {
            entry
                .value
                .merged_entries()
                .into_iter()
                .filter_map(|by_name| string_anchor(key, by_name.key.as_str()?, &by_name.value))
                .collect()
        } else if STRING_MATCHES.contains(&key) {
            string_anchor(key, "", &entry.value).into_iter().collect()
        } else {
            entry
                .value
                .content_hash()
                .map(|content| Anchor::Same {
                    field: key,
                    name: "",
                    content,
                })
                .into_iter()
                .collect()
        };
        all.extend(anchors);
    }
    all
}

/// The anchor of one string match, as [`string_match_covers`] reads it: none for a presence
/// test (an empty match).
fn string_anchor<'t>(field: &'t str, name: &'t str, earlier: &'t Node<'t>) -> Option<Anchor<'t>> {
    let entries = earlier.merged_entries();
    if earlier.is_mapping() && entries.is_empty() {
        return None;
    }
    if let (Some(text), [only]) = (earlier.str_at("prefix"), entries.as_slice())
        && only.key.as_str() == Some("prefix")
    {
        return Some(Anchor::Prefix { field, name, text });
    }
    let content = earlier.content_hash()?;
    Some(Anchor::Same { field, name, content })
}

fn report_route(
    routes: &[Route<'_, '_>],
    index: usize,
    shadows: &[Shadow],
    object: &Object<'_>,
    out: &mut Findings,
) {
    let route = &routes[index];
    let mut shadowing: Vec<usize> = shadows.iter().map(|s| s.route).collect();
    shadowing.sort_unstable();
    shadowing.dedup();
    let reason = match shadows.iter().find(|s| s.matched.is_none()) {
        Some(catch_all) => format!(
            "{} has no `match` and takes every request first",
            routes[catch_all.route].label()
        ),
        None => {
            let labels: Vec<String> = shadowing.iter().map(|&k| routes[k].label()).collect();
            format!("{} already takes every request it matches", labels.join(" and "))
        }
    };
    let finding = out
        .report(
            route.span(),
            format!(
                "VirtualService `{}`: {} is never reached, {reason}",
                object.qualified_name(),
                route.label()
            ),
        )
        .help(format!(
            "order the routes from the most specific to the catch-all, which must come last, or \
             remove the dead route:\n{}:\n  - match:\n      - uri: {{ prefix: /api/v2 }}\n    \
             route: [{{ destination: {{ host: reviews, subset: v2 }} }}]\n  \
             - route: [{{ destination: {{ host: reviews, subset: v1 }} }}]",
            route.protocol.field()
        ))
        .object(ObjectRef::of(object));
    for k in shadowing {
        finding.related(object.file, routes[k].span(), "the route that takes its requests");
    }
}

fn report_match(
    routes: &[Route<'_, '_>],
    index: usize,
    node: &Node<'_>,
    position: usize,
    shadow: Shadow,
    object: &Object<'_>,
    out: &mut Findings,
) {
    let route = &routes[index];
    let shadowing = &routes[shadow.route];
    let by = match shadow.matched {
        Some(earlier) if shadow.route == index => format!("its match {}", match_label(route, earlier)),
        Some(earlier) => format!("{}, match {}", shadowing.label(), match_label(shadowing, earlier)),
        None => shadowing.label(),
    };
    let shadowing_node = shadow
        .matched
        .and_then(|earlier| shadowing.matches().get(earlier))
        .map_or_else(|| shadowing.span(), |m| m.span);
    out.report(
        node.span,
        format!(
            "VirtualService `{}`: {}, match {} is never used: {by} already takes every request it matches",
            object.qualified_name(),
            route.label(),
            match_label(route, position)
        ),
    )
    .help(
        "remove the match, or move the narrower match into an earlier route:\nmatch:\n  \
         - uri: { prefix: /api/v1/products }\n  - uri: { prefix: /api/v1 }",
    )
    .object(ObjectRef::of(object))
    .related(object.file, shadowing_node, "the earlier match");
}

/// How messages name a match: its `name`, else its position (`#1` is the first).
fn match_label(route: &Route<'_, '_>, position: usize) -> String {
    match route.matches().get(position).and_then(|m| m.str_at("name")) {
        Some(name) => format!("`{name}`"),
        None => format!("#{}", position + 1),
    }
}

/// Fields of a match that name or count it without restricting what it takes.
const NOT_CONDITIONS: &[&str] = &["name", "statPrefix"];

/// Fields holding one string match (`exact`, `prefix`, `regex`).
const STRING_MATCHES: &[&str] = &["uri", "scheme", "method", "authority"];

/// Fields holding a map of names to string matches.
const STRING_MATCH_MAPS: &[&str] = &["headers", "queryParams"];

/// Whether every request `later` takes is taken by `earlier` too.
fn covers(earlier: Match<'_, '_>, later: Match<'_, '_>) -> bool {
    let ignores_case = |m: Match<'_, '_>| {
        m.and_then(|m| m.get("ignoreUriCase"))
            .and_then(Node::as_bool)
            .unwrap_or(false)
    };
    if ignores_case(later) && !ignores_case(earlier) {
        return false;
    }
    let Some(earlier) = earlier else {
        return true;
    };
    earlier.merged_entries().into_iter().all(|entry| {
        let Some(key) = entry.key.as_str() else {
            return false;
        };
        if NOT_CONDITIONS.contains(&key) || key == "ignoreUriCase" || entry.value.is_null() {
            return true;
        }
        let Some(wanted) = later.and_then(|l| l.get(key)) else {
            return false;
        };
        if STRING_MATCHES.contains(&key) {
            string_match_covers(&entry.value, wanted)
        } else if STRING_MATCH_MAPS.contains(&key) {
            entry.value.merged_entries().into_iter().all(|name| {
                name.key
                    .as_str()
                    .and_then(|n| wanted.get(n))
                    .is_some_and(|value| string_match_covers(&name.value, value))
            })
        } else {
            entry.value.same_content(wanted)
        }
    })
}

/// Whether a string match accepts every value another accepts: an empty match (presence), the
/// same match, or a prefix that starts the other's prefix or exact value.
fn string_match_covers(earlier: &Node<'_>, later: &Node<'_>) -> bool {
    let entries = earlier.merged_entries();
    if earlier.is_mapping() && entries.is_empty() {
        return true;
    }
    if let (Some(prefix), [only]) = (earlier.str_at("prefix"), entries.as_slice())
        && only.key.as_str() == Some("prefix")
    {
        let narrower = later.str_at("prefix").or_else(|| later.str_at("exact"));
        return later.merged_entries().len() == 1 && narrower.is_some_and(|value| value.starts_with(prefix));
    }
    earlier.same_content(later)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_for_test;

    fn covers_text(earlier: &str, later: &str) -> bool {
        let (a, b) = (parse_for_test(earlier), parse_for_test(later));
        covers(Some(&a.documents[0].root), Some(&b.documents[0].root))
    }

    /// Routes of matches drawn from a small set of conditions, so that many cover others: a
    /// route is a list of matches, or `~` for a route without `match`.
    fn routes_text(count: usize) -> String {
        const CONDITIONS: &[&str] = &[
            "uri: {prefix: /a}",
            "uri: {prefix: /a/b}",
            "uri: {exact: /a/b}",
            "uri: {prefix: ''}",
            "uri: {regex: /a.*}",
            "method: {exact: GET}",
            "headers: {x: {exact: '1'}}",
            "headers: {x: {}}",
            "headers: {x: {prefix: ''}, y: {exact: b}}",
            "port: 80",
            "port: '80'",
            "gateways: [mesh]",
            "ignoreUriCase: true",
            "name: n",
            "sourceLabels: {app: a, v: '1'}",
        ];
        // A fixed linear congruential sequence: the same routes on every run.
        let mut state: u64 = 7;
        let mut next = |below: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % below
        };
        let mut text = String::new();
        for _ in 0..count {
            if next(8) == 0 {
                text.push_str("- ~\n");
                continue;
            }
            let matches: Vec<String> = (0..1 + next(3))
                .map(|_| {
                    let conditions: Vec<&str> =
                        (0..next(4)).map(|_| CONDITIONS[next(CONDITIONS.len())]).collect();
                    format!("{{{}}}", conditions.join(", "))
                })
                .collect();
            text.push_str(&format!("- [{}]\n", matches.join(", ")));
        }
        text
    }

    #[test]
    fn the_index_finds_the_first_covering_match_as_comparing_every_pair_does() {
        let text = routes_text(400);
        let stream = parse_for_test(&text);
        let matches: Vec<Option<Vec<Match<'_, '_>>>> = stream.documents[0]
            .root
            .items()
            .iter()
            .map(|route| match route.items() {
                [] => Some(vec![None]),
                items => Some(items.iter().map(Some).collect()),
            })
            .collect();
        let index = MatchIndex::of(&matches);
        let mut covered = 0;
        for (route, own) in matches.iter().enumerate() {
            for (position, later) in own.iter().flatten().enumerate() {
                let pairwise = (0..=route).find_map(|earlier| {
                    let earlier_matches = matches[earlier].as_ref()?;
                    let before = if earlier == route {
                        position
                    } else {
                        earlier_matches.len()
                    };
                    let found = earlier_matches[..before]
                        .iter()
                        .position(|m| covers(*m, *later))?;
                    Some((earlier, found))
                });
                assert_eq!(
                    index.first_covering(*later, (route, position)),
                    pairwise,
                    "route {route}, match {position}"
                );
                covered += usize::from(pairwise.is_some());
            }
        }
        assert!(covered > 100, "too few covered matches to tell: {covered}");
    }

    #[test]
    fn a_prefix_covers_longer_prefixes_and_exact_paths_under_it() {
        assert!(covers_text("uri: {prefix: /api}", "uri: {prefix: /api/v1}"));
        assert!(covers_text(
            "uri: {prefix: /api}",
            "uri: {exact: /api/v1}\nmethod: {exact: GET}"
        ));
        assert!(!covers_text("uri: {prefix: /api/v1}", "uri: {prefix: /api}"));
        assert!(!covers_text("uri: {exact: /api}", "uri: {prefix: /api}"));
        assert!(!covers_text("uri: {regex: /a.*}", "uri: {prefix: /a}"));
    }

    #[test]
    fn every_earlier_condition_must_hold_for_the_later_match() {
        assert!(covers_text(
            "name: a\nport: 80",
            "port: 80\nheaders: {x: {exact: y}}"
        ));
        assert!(!covers_text("method: {exact: GET}", "uri: {prefix: /}"));
        assert!(covers_text(
            "headers: {x: {}}",
            "headers: {x: {prefix: a}, y: {exact: b}}"
        ));
        assert!(!covers_text("sniHosts: [a.com, b.com]", "sniHosts: [a.com]"));
        assert!(!covers_text(
            "uri: {prefix: /a}",
            "uri: {prefix: /a/b}\nignoreUriCase: true"
        ));
        assert!(covers(None, None));
    }
}
