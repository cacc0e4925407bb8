//! Relationship diagrams: policy → measures → metrics as static SVG.
//!
//! Three columns, one box per entity, curves for typed references. The SVG is
//! inline in the page, so it follows the page's CSS (dark mode, print) and its
//! boxes are ordinary links. A diagram is drawn around one policy (or one
//! measure or metric), so its size follows that entity's neighbourhood, never
//! the size of the site: the whole-site view is one diagram per policy.

use std::fmt::Write;

use super::reads::Reads;
use crate::graph::{EntityIdx, Graph};
use crate::parse::entity::{Entity, Kind, Rel};
use crate::url::{LinkStyle, escape_html, push_escaped};

const ROW: f32 = 36.0;
const BOX_H: f32 = 28.0;
const PAD: f32 = 6.0;
const GAP: f32 = 44.0;
const WIDTHS: [f32; 3] = [190.0, 200.0, 200.0];
/// Approximate advance of a CJK character at the diagram's font size.
const EM: f32 = 13.0;

#[derive(Clone, Copy, PartialEq)]
enum Line {
    /// A typed reference (`policy:`, `metrics:`).
    Solid,
    /// A target set by a policy or measure (`set_by:`).
    Dashed,
}

/// What to draw: entities per column and the edges between them.
struct Layout {
    columns: [Vec<EntityIdx>; 3],
    edges: Vec<(EntityIdx, EntityIdx, Line)>,
    focus: Option<EntityIdx>,
}

fn push_unique(v: &mut Vec<EntityIdx>, i: EntityIdx) {
    if !v.contains(&i) {
        v.push(i);
    }
}

/// A policy, the measures that name it, their metrics and the targets it set.
fn policy_layout(graph: &Graph, reads: &Reads, p: EntityIdx) -> Layout {
    let mut measures = Vec::new();
    let mut metrics = Vec::new();
    let mut edges = Vec::new();
    for from in reads.back(p, Rel::Policy) {
        // Its kind.
        reads.summary(from);
        if graph.entities[from].kind == Kind::Measure {
            push_unique(&mut measures, from);
        }
    }
    measures.sort_by(|&a, &b| graph.entities[a].title.cmp(&graph.entities[b].title));
    for &m in &measures {
        edges.push((p, m, Line::Solid));
        for to in reads.out(m, Rel::Metrics) {
            push_unique(&mut metrics, to);
            edges.push((m, to, Line::Solid));
        }
    }
    for from in reads.back(p, Rel::SetBy) {
        push_unique(&mut metrics, from);
        edges.push((p, from, Line::Dashed));
    }
    Layout {
        columns: [vec![p], measures, metrics],
        edges,
        focus: None,
    }
}

/// The neighbourhood of one entity, with the entity highlighted.
fn layout_for(graph: &Graph, reads: &Reads, idx: EntityIdx) -> Option<Layout> {
    let e = &graph.entities[idx];
    let mut layout = match e.kind {
        Kind::Policy => policy_layout(graph, reads, idx),
        Kind::Measure => {
            let mut l = Layout {
                columns: [vec![], vec![idx], vec![]],
                edges: vec![],
                focus: None,
            };
            for edge in reads.edges_out(idx) {
                match edge.rel {
                    Rel::Policy => {
                        push_unique(&mut l.columns[0], edge.to);
                        l.edges.push((edge.to, idx, Line::Solid));
                    }
                    Rel::Metrics => {
                        push_unique(&mut l.columns[2], edge.to);
                        l.edges.push((idx, edge.to, Line::Solid));
                    }
                    _ => {}
                }
            }
            for from in reads.back(idx, Rel::SetBy) {
                push_unique(&mut l.columns[2], from);
                l.edges.push((idx, from, Line::Dashed));
            }
            l
        }
        Kind::Metric => {
            let mut l = Layout {
                columns: [vec![], vec![], vec![idx]],
                edges: vec![],
                focus: None,
            };
            for from in reads.back(idx, Rel::Metrics) {
                reads.summary(from);
                if graph.entities[from].kind == Kind::Measure {
                    push_unique(&mut l.columns[1], from);
                    l.edges.push((from, idx, Line::Solid));
                    for p in reads.out(from, Rel::Policy) {
                        push_unique(&mut l.columns[0], p);
                        l.edges.push((p, from, Line::Solid));
                    }
                }
            }
            for to in reads.out(idx, Rel::SetBy) {
                reads.summary(to);
                let col = if graph.entities[to].kind == Kind::Policy {
                    0
                } else {
                    1
                };
                push_unique(&mut l.columns[col], to);
                l.edges.push((to, idx, Line::Dashed));
            }
            l
        }
        _ => return None,
    };
    layout.focus = Some(idx);
    let others = layout.columns.iter().map(Vec::len).sum::<usize>();
    (others > 1).then_some(layout)
}

/// Whether diagrams are drawn, or only laid out (`check`, which keeps no
/// page: see [`undrawn`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Drawing {
    Drawn,
    Undrawn,
}

/// The diagram of an entity's page, or `None` when it has no relations to draw.
pub fn for_entity(
    graph: &Graph,
    reads: &Reads,
    idx: EntityIdx,
    (root, style): (&str, LinkStyle),
    drawing: Drawing,
) -> Option<String> {
    layout_for(graph, reads, idx).map(|l| finish(graph, reads, &l, (root, style), drawing))
}

fn finish(
    graph: &Graph,
    reads: &Reads,
    layout: &Layout,
    (root, style): (&str, LinkStyle),
    drawing: Drawing,
) -> String {
    match drawing {
        Drawing::Drawn => draw(graph, reads, layout, root, style),
        Drawing::Undrawn => undrawn(layout),
    }
}

/// What a page that is made for its errors only gets instead of a drawing,
/// as charts get [`crate::metrics::UNDRAWN`]: laying out and drawing boxes
/// cannot fail once the graph is linked. It holds the one mark of the
/// drawing templates test, `rel-target` (a dashed target), when the
/// drawing would.
fn undrawn(layout: &Layout) -> String {
    let placed = |i: EntityIdx| layout.columns.iter().any(|c| c.contains(&i));
    let dashed = (layout.edges.iter())
        .any(|&(from, to, line)| line == Line::Dashed && placed(from) && placed(to));
    match dashed {
        true => "<svg class=\"relations rel-target\"></svg>".into(),
        false => "<svg class=\"relations\"></svg>".into(),
    }
}

/// One diagram per policy for the site-wide view, plus (when `orphans`) the
/// measures that name no policy: (policy or None, svg).
pub fn site(
    graph: &Graph,
    reads: &Reads,
    (policies, orphans): (&[EntityIdx], bool),
    (root, style): (&str, LinkStyle),
    drawing: Drawing,
) -> Vec<(Option<EntityIdx>, String)> {
    site_layouts(graph, reads, policies, orphans)
        .into_iter()
        .map(|(p, layout)| (p, finish(graph, reads, &layout, (root, style), drawing)))
        .collect()
}

fn site_layouts(
    graph: &Graph,
    reads: &Reads,
    policies: &[EntityIdx],
    orphans: bool,
) -> Vec<(Option<EntityIdx>, Layout)> {
    let mut out: Vec<(Option<EntityIdx>, Layout)> = policies
        .iter()
        .map(|&p| (Some(p), policy_layout(graph, reads, p)))
        .collect();
    if !orphans {
        return out;
    }
    let mut measures = Vec::new();
    let mut metrics = Vec::new();
    let mut edges = Vec::new();
    // In list order: by weight, then title.
    for &i in reads.sorted(Kind::Measure) {
        if reads.out(i, Rel::Policy).next().is_none() {
            measures.push(i);
            for to in reads.out(i, Rel::Metrics) {
                push_unique(&mut metrics, to);
                edges.push((i, to, Line::Solid));
            }
        }
    }
    if !measures.is_empty() {
        out.push((
            None,
            Layout {
                columns: [vec![], measures, metrics],
                edges,
                focus: None,
            },
        ));
    }
    out
}

fn column_x(col: usize) -> f32 {
    WIDTHS[..col].iter().sum::<f32>() + GAP * col as f32 + 1.0
}

/// Rows of each column, centred against the tallest column.
fn positions(layout: &Layout) -> (Vec<(EntityIdx, usize, f32)>, f32) {
    let rows = layout
        .columns
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(1)
        .max(1);
    let height = rows as f32 * ROW + PAD * 2.0;
    let mut pos = Vec::new();
    for (c, col) in layout.columns.iter().enumerate() {
        let offset = (rows - col.len()) as f32 * ROW / 2.0;
        for (r, &i) in col.iter().enumerate() {
            pos.push((i, c, PAD + offset + r as f32 * ROW + (ROW - BOX_H) / 2.0));
        }
    }
    (pos, height)
}

/// The diagram's SVG; each box shows what its entity's summary holds.
fn draw(graph: &Graph, reads: &Reads, layout: &Layout, root: &str, style: LinkStyle) -> String {
    for &i in layout.columns.iter().flatten() {
        reads.summary(i);
    }
    let (pos, height) = positions(layout);
    let (width, height) = (N(column_x(3) - GAP), N(height));
    let find = |i: EntityIdx, col: Option<usize>| {
        pos.iter()
            .find(|(j, c, _)| *j == i && col.is_none_or(|x| x == *c))
            .map(|&(_, c, y)| (c, y))
    };
    let mut svg = String::with_capacity(1024 + pos.len() * 400);
    let title = layout
        .columns
        .iter()
        .flatten()
        .next()
        .map(|&i| graph.entities[i].title.as_str())
        .unwrap_or("");
    let _ = write!(
        svg,
        "<svg class=\"relations\" role=\"group\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\
         <title>{}</title><desc>{}</desc>",
        escape_html(&format!("关系图：{title}")),
        escape_html(&describe(graph, layout)),
    );
    // A target set across a column (policy → metric) would cut through the
    // measures: its metric box is drawn dashed instead of a line.
    let mut targets = Vec::new();
    // Edges are the diagram's only paths and the stylesheet draws them
    // (`.relations path`): all solid edges are one path, all dashed ones
    // another, each edge a move and a relative curve (a diagram of dozens of
    // edges is drawn on every page of its entities).
    let (mut solid, mut dashed) = (String::new(), String::new());
    for &(from, to, line) in &layout.edges {
        let (Some((c1, y1)), Some((c2, y2))) = (find(from, None), find(to, None)) else {
            continue;
        };
        if c2 > c1 + 1 {
            if line == Line::Dashed {
                targets.push(to);
            }
            continue;
        }
        let (x1, x2) = (column_x(c1) + WIDTHS[c1], column_x(c2));
        let into = match line {
            Line::Dashed => &mut dashed,
            _ => &mut solid,
        };
        edge(into, (x1, y1 + BOX_H / 2.0), (x2 - x1, y2 - y1));
    }
    for (d, open) in [
        (solid, "<path d=\""),
        (dashed, "<path class=\"rel-target\" d=\""),
    ] {
        if !d.is_empty() {
            svg.push_str(open);
            svg.push_str(&d);
            svg.push_str("\"/>");
        }
    }
    for &(i, c, y) in &pos {
        let focus = layout.focus == Some(i);
        node(
            &mut svg,
            &graph.entities[i],
            (c, y),
            focus,
            targets.contains(&i),
            root,
            style,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One entity's box in column `c` at height `y`, linking to its page.
fn node(
    svg: &mut String,
    e: &Entity,
    (c, y): (usize, f32),
    focus: bool,
    target: bool,
    root: &str,
    style: LinkStyle,
) {
    let (x, w) = (column_x(c), WIDTHS[c]);
    let label = fit(&e.title, w - 2.0 * PAD - 4.0);
    // Written piece by piece: a diagram has a dozen boxes and is drawn on
    // every page of its entities.
    svg.push_str("<a href=\"");
    push_escaped(svg, root);
    push_escaped(svg, &style.path(&e.url_path));
    // The page's own box is marked by `aria-current`; the stylesheet draws
    // boxes from the kind class (diagrams repeat on every page).
    svg.push_str("\" class=\"rel-");
    svg.push_str(e.kind.as_str());
    svg.push_str(if target { " rel-target\"" } else { "\"" });
    svg.push_str(if focus {
        " aria-current=\"page\">"
    } else {
        ">"
    });
    // The whole title as the link's name when the box shows only part of it;
    // otherwise the box's text is the name.
    if label != e.title {
        svg.push_str("<title>");
        push_escaped(svg, &e.title);
        svg.push_str("</title>");
    }
    svg.push_str("<rect x=\"");
    push_numbers(
        svg,
        &[
            (x, "\" y=\""),
            (y, "\" width=\""),
            (w, "\" height=\""),
            (BOX_H, "\"/><text x=\""),
            (x + PAD + 2.0, "\" y=\""),
            (y + BOX_H / 2.0 + 4.5, "\">"),
        ],
    );
    push_escaped(svg, &label);
    svg.push_str("</text></a>");
}

/// An edge from `(x, y)` across `(dx, dy)`: a level line, or a curve
/// leaving and arriving level, its control points halfway across.
fn edge(d: &mut String, (x, y): (f32, f32), (dx, dy): (f32, f32)) {
    d.push('M');
    push_numbers(d, &[(x, " "), (y, "")]);
    if dy == 0.0 {
        d.push('h');
        push_numbers(d, &[(dx, "")]);
        return;
    }
    d.push('c');
    let half = dx / 2.0;
    // Path data needs no space before a minus sign.
    for (i, v) in [half, 0.0, half, dy, dx, dy].into_iter().enumerate() {
        if i > 0 && v >= 0.0 {
            d.push(' ');
        }
        push_numbers(d, &[(v, "")]);
    }
}

/// A coordinate as `{}` writes an `f32`, whole numbers (most of them) by
/// the cheaper integer path.
struct N(f32);

impl std::fmt::Display for N {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let mut s = String::new();
        push_numbers(&mut s, &[(self.0, "")]);
        f.write_str(&s)
    }
}

/// Each number as `{}` writes an `f32`, then its text: the boxes and
/// edges of every diagram are written here. Whole and half numbers (nearly
/// all of them) go by an integer path.
fn push_numbers(out: &mut String, items: &[(f32, &str)]) {
    for &(v, then) in items {
        let twice = v * 2.0;
        if v != 0.0 && v.abs() < 1e6 && twice == (twice as i32) as f32 {
            let t = (twice as i32).unsigned_abs();
            if v < 0.0 {
                out.push('-');
            }
            out.push_str(itoa::Buffer::new().format(t / 2));
            if t % 2 == 1 {
                out.push_str(".5");
            }
        } else {
            let _ = write!(out, "{v}");
        }
        out.push_str(then);
    }
}

/// A sentence for screen readers: "1 个政策、3 项措施、2 个指标".
fn describe(graph: &Graph, layout: &Layout) -> String {
    let count = |k: Kind| {
        layout
            .columns
            .iter()
            .flatten()
            .filter(|&&i| graph.entities[i].kind == k)
            .count()
    };
    format!(
        "{} 个政策、{} 项措施、{} 个指标及其关系",
        count(Kind::Policy),
        count(Kind::Measure),
        count(Kind::Metric)
    )
}

/// Shortens a label to the box width: CJK characters count one em, others half.
fn fit(text: &str, width: f32) -> String {
    let advance = |c: char| if c.is_ascii() { EM * 0.55 } else { EM };
    let total: f32 = text.chars().map(advance).sum();
    if total <= width {
        return text.to_string();
    }
    let mut used = EM;
    let mut out = String::new();
    for c in text.chars() {
        used += advance(c);
        if used > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_print_as_f32_does() {
        let mut values = vec![
            0.0f32, -0.0, 1.0, 12.5, -0.5, 0.5, 300.0, -7.0, 0.1, 1e10, 123456.75,
        ];
        values.extend((-4000..4000).map(|i| i as f32 / 4.0));
        values.extend([f32::NAN, f32::INFINITY, 999_999.5, 1e6, 16_777_217.0]);
        for v in values {
            assert_eq!(N(v).to_string(), v.to_string());
        }
    }

    #[test]
    fn edges_are_level_lines_or_curves_ending_where_they_should() {
        let mut d = String::new();
        edge(&mut d, (435.0, 42.0), (44.0, 0.0));
        edge(&mut d, (191.0, 330.0), (44.0, -126.0));
        edge(&mut d, (435.0, 240.5), (44.0, 36.0));
        assert_eq!(
            d,
            "M435 42h44M191 330c22 0 22-126 44-126M435 240.5c22 0 22 36 44 36"
        );
    }

    #[test]
    fn labels_fit_their_box() {
        assert_eq!(fit("千项千亿", 200.0), "千项千亿");
        let long = fit(&"数".repeat(40), 100.0);
        assert!(long.ends_with('…') && long.chars().count() < 10);
    }
}
