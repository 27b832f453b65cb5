//! Per-group thresholds in the window: the values, locks, "one threshold for all", and undo/redo.
//!
//! Undo works on settled changes: a whole drag, one typed value or one arrow-key nudge is one
//! step. Snapshots are stored by group key, so undo still works after regrouping.

use egui::{Key, Modifiers};

use super::palette::group_color;
use super::state::Edit;
use crate::engine::{DecisionRule, Group, GroupIndex};

/// A group's identity in the window: its key in the current grouping (the engine's
/// `Group::key`, the name sessions, scenarios and reports use too). Edits name a group by its
/// position in the grouping; what must outlive a regrouping (undo steps, optimizer results,
/// another model's thresholds) names it by this key, and finds it again in one place,
/// [`ThresholdState::position`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey(String);

impl GroupKey {
    /// The key of `group`.
    pub fn of(group: &Group) -> Self {
        Self(group.key.clone())
    }

    /// The keys of every group of `index`, in group order.
    pub fn all_of(index: &GroupIndex) -> Vec<Self> {
        index.groups().iter().map(Self::of).collect()
    }

    /// The key as the engine, sessions and reports write it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is `group`'s key.
    pub fn is_of(&self, group: &Group) -> bool {
        self.0 == group.key
    }
}

impl From<&str> for GroupKey {
    fn from(key: &str) -> Self {
        Self(key.to_owned())
    }
}

impl std::fmt::Display for GroupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Thresholds by group.
pub type Snapshot = Vec<(GroupKey, f64)>;

/// Longest undo history kept.
const MAX_UNDO: usize = 200;

/// The threshold of every group and how the user may change them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThresholdState {
    keys: Vec<GroupKey>,
    values: Vec<f64>,
    locked: Vec<bool>,
    /// Whether moving one threshold moves every unlocked group's (change it with
    /// [`Edit::SetUniform`]).
    pub(super) uniform: bool,
    committed: Vec<f64>,
    undo: Vec<Snapshot>,
    redo: Vec<Snapshot>,
}

impl ThresholdState {
    /// Every group of `keys` at `default`.
    pub fn new(keys: Vec<GroupKey>, default: f64) -> Self {
        let values = vec![default; keys.len()];
        Self {
            locked: vec![false; keys.len()],
            committed: values.clone(),
            values,
            keys,
            uniform: false,
            undo: Vec::new(),
            redo: Vec::new(),
        }
    }

    /// Follows a new grouping: groups that keep their key keep their threshold and lock; new
    /// groups start at `default` (or the common threshold when "one for all" is on).
    pub(super) fn regroup(&mut self, keys: Vec<GroupKey>, default: f64) {
        let start = if self.uniform {
            self.values.first().copied().unwrap_or(default)
        } else {
            default
        };
        let find = |key: &GroupKey| self.position(key);
        let values: Vec<f64> = keys
            .iter()
            .map(|k| {
                find(k)
                    .and_then(|i| self.values.get(i).copied())
                    .unwrap_or(start)
            })
            .collect();
        let locked = keys
            .iter()
            .map(|k| {
                find(k)
                    .and_then(|i| self.locked.get(i).copied())
                    .unwrap_or(false)
            })
            .collect();
        self.committed.clone_from(&values);
        self.values = values;
        self.locked = locked;
        self.keys = keys;
    }

    /// Thresholds in group order.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Group keys in order.
    pub fn keys(&self) -> &[GroupKey] {
        &self.keys
    }

    /// The position of the group with this key in the current grouping: the one place a group
    /// named by key is found.
    pub fn position(&self, key: &GroupKey) -> Option<usize> {
        self.keys.iter().position(|k| k == key)
    }

    /// Whether group `i` is locked.
    pub fn is_locked(&self, i: usize) -> bool {
        self.locked.get(i).copied().unwrap_or(false)
    }

    /// Locks or unlocks group `i`.
    pub(super) fn set_locked(&mut self, i: usize, locked: bool) {
        if let Some(slot) = self.locked.get_mut(i) {
            *slot = locked;
        }
    }

    /// Sets group `i`'s threshold (every unlocked group's, in "one for all" mode). Locked groups
    /// do not move.
    pub(super) fn set(&mut self, i: usize, value: f64) {
        if self.is_locked(i) {
            return;
        }
        if self.uniform {
            for (v, locked) in self.values.iter_mut().zip(&self.locked) {
                if !locked {
                    *v = value;
                }
            }
        } else if let Some(v) = self.values.get_mut(i) {
            *v = value;
        }
    }

    /// Sets every unlocked group's threshold from `values` except the groups in `fixed` (hold
    /// parity: the optimizer moved the others). Not an undo step of its own.
    pub(super) fn set_others(&mut self, values: &[f64], fixed: &[usize]) {
        for (i, (slot, value)) in self.values.iter_mut().zip(values).enumerate() {
            if !fixed.contains(&i) && !self.locked.get(i).copied().unwrap_or(false) {
                *slot = *value;
            }
        }
    }

    /// Indices of locked groups.
    pub fn locked_groups(&self) -> Vec<usize> {
        (0..self.values.len())
            .filter(|i| self.is_locked(*i))
            .collect()
    }

    /// Turns "one threshold for all" on (aligning unlocked groups on `anchor`'s threshold) or off.
    pub(super) fn set_uniform(&mut self, uniform: bool, anchor: usize) {
        self.uniform = uniform;
        if uniform && let Some(value) = self.values.get(anchor).copied() {
            self.set(anchor, value);
        }
    }

    /// Puts every unlocked group back at `default`.
    pub(super) fn reset(&mut self, default: f64) {
        for (v, locked) in self.values.iter_mut().zip(&self.locked) {
            if !locked {
                *v = default;
            }
        }
    }

    /// Sets thresholds from a snapshot (optimizer results, sessions, undo); groups not in it and
    /// locked groups keep theirs. Records one undo step.
    pub(super) fn apply(&mut self, snapshot: &Snapshot) {
        self.restore(snapshot);
        self.commit();
    }

    fn restore(&mut self, snapshot: &Snapshot) {
        for (key, value) in snapshot {
            if let Some(i) = self.position(key)
                && !self.is_locked(i)
                && let Some(slot) = self.values.get_mut(i)
            {
                *slot = *value;
            }
        }
    }

    /// The current thresholds by key.
    pub fn snapshot(&self) -> Snapshot {
        self.keys
            .iter()
            .cloned()
            .zip(self.values.iter().copied())
            .collect()
    }

    fn committed_snapshot(&self) -> Snapshot {
        self.keys
            .iter()
            .cloned()
            .zip(self.committed.iter().copied())
            .collect()
    }

    /// Records the current thresholds as one undo step, if they changed since the last one.
    /// Called once the user's interaction has settled (no button held).
    pub(super) fn commit(&mut self) {
        if self.values != self.committed {
            self.undo.push(self.committed_snapshot());
            if self.undo.len() > MAX_UNDO {
                self.undo.remove(0);
            }
            self.redo.clear();
            self.committed.clone_from(&self.values);
        }
    }

    /// Forgets the undo history (a session was just opened).
    pub(super) fn clear_history(&mut self) {
        self.undo.clear();
        self.redo.clear();
        self.committed.clone_from(&self.values);
    }

    /// Whether there is something to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty() || self.values != self.committed
    }

    /// Whether there is something to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Goes back one step.
    pub(super) fn undo(&mut self) {
        self.commit();
        if let Some(previous) = self.undo.pop() {
            self.redo.push(self.snapshot());
            self.force(&previous);
        }
    }

    /// Goes forward one step.
    pub(super) fn redo(&mut self) {
        if let Some(next) = self.redo.pop() {
            self.undo.push(self.snapshot());
            self.force(&next);
        }
    }

    /// Restores a snapshot ignoring locks (undo must restore exactly).
    fn force(&mut self, snapshot: &Snapshot) {
        for (key, value) in snapshot {
            if let Some(i) = self.position(key)
                && let Some(slot) = self.values.get_mut(i)
            {
                *slot = *value;
            }
        }
        self.committed.clone_from(&self.values);
    }

    /// Moves group `i` to the next (`up`) or previous distinct score of the group: the smallest
    /// step that changes a decision. Past the top score comes "nobody".
    pub(super) fn nudge(&mut self, index: &GroupIndex, i: usize, up: bool) {
        let (Some(group), Some(&current)) = (index.groups().get(i), self.values.get(i)) else {
            return;
        };
        let values = group.curve.values();
        let next = if up {
            let j = values.partition_point(|&v| v <= current);
            values.get(j).copied().unwrap_or(f64::INFINITY)
        } else {
            let j = values.partition_point(|&v| v < current);
            match j.checked_sub(1).and_then(|j| values.get(j)) {
                Some(&v) => v,
                None => return,
            }
        };
        self.set(i, next);
    }
}

/// The threshold that makes the same decisions as `value` for group `group` and reads as a real
/// score: the group's lowest selected score under `≥` (highest rejected under `>`), or
/// nobody / everybody. Dragged values snap to it, so a drag never shows 0.8347460941600321.
pub fn canonical_threshold(
    index: &GroupIndex,
    group: usize,
    value: f64,
    rule: DecisionRule,
) -> f64 {
    match index.groups().get(group) {
        Some(g) => g.curve.threshold_for_cut(g.curve.cut_at(value, rule), rule),
        None => value,
    }
}

/// Formats a threshold exactly (shortest round-trip form), or nobody/everybody.
pub fn format_threshold(value: f64) -> String {
    crate::report::format::threshold(Some(value))
}

/// Parses a typed threshold: a number, or inf / nobody / -inf / everybody.
pub fn parse_threshold(text: &str) -> Option<f64> {
    let text = text.trim().to_lowercase();
    match text.as_str() {
        "inf" | "+inf" | "nobody" | "none" => Some(f64::INFINITY),
        "-inf" | "everybody" | "all" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok().filter(|v: &f64| !v.is_nan()),
    }
}

/// Arrow-key nudges of the selected group and undo/redo shortcuts, as edits; call before drawing
/// widgets that would take the keys.
pub fn handle_keys(ctx: &egui::Context, index: &GroupIndex, selected: Option<usize>) -> Vec<Edit> {
    if ctx.egui_wants_keyboard_input() {
        return Vec::new();
    }
    let (undo, redo, left, right) = ctx.input_mut(|input| {
        let redo = input.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z)
            || input.consume_key(Modifiers::COMMAND, Key::Y);
        let undo = input.consume_key(Modifiers::COMMAND, Key::Z);
        let left = input.consume_key(Modifiers::NONE, Key::ArrowLeft)
            || input.consume_key(Modifiers::NONE, Key::ArrowDown);
        let right = input.consume_key(Modifiers::NONE, Key::ArrowRight)
            || input.consume_key(Modifiers::NONE, Key::ArrowUp);
        (undo, redo, left, right)
    });
    let mut edits = Vec::new();
    if redo {
        edits.push(Edit::Redo);
    } else if undo {
        edits.push(Edit::Undo);
    }
    if let Some(group) = selected.filter(|g| *g < index.len()) {
        if left {
            edits.push(Edit::Nudge { group, up: false });
        }
        if right {
            edits.push(Edit::Nudge { group, up: true });
        }
    }
    edits
}

/// One row per group: color, name, lock, slider and exact value. Returns what the user changed.
pub fn thresholds_ui(
    ui: &mut egui::Ui,
    state: &ThresholdState,
    index: &GroupIndex,
    score_range: (f64, f64),
    rule: DecisionRule,
    selected: Option<usize>,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    ui.horizontal(|ui| {
        let mut uniform = state.uniform;
        if ui
            .checkbox(&mut uniform, "One threshold for all")
            .on_hover_text("Moving any group's threshold moves every unlocked group's")
            .changed()
        {
            edits.push(Edit::SetUniform {
                uniform,
                anchor: selected.unwrap_or(0),
            });
        }
        if ui
            .button("Reset")
            .on_hover_text("Every unlocked group back to the default threshold")
            .clicked()
        {
            edits.push(Edit::ResetThresholds);
        }
    });
    ui.horizontal(|ui| {
        if ui
            .add_enabled(state.can_undo(), egui::Button::new("Undo"))
            .on_hover_text("Ctrl+Z")
            .clicked()
        {
            edits.push(Edit::Undo);
        }
        if ui
            .add_enabled(state.can_redo(), egui::Button::new("Redo"))
            .on_hover_text("Ctrl+Shift+Z")
            .clicked()
        {
            edits.push(Edit::Redo);
        }
    });
    ui.label(
        egui::RichText::new(
            "Select a group, then the Left/Right arrow keys step to its previous/next score.",
        )
        .small()
        .weak(),
    );
    let (low, high) = score_range;
    // A little room past the top score means "select nobody".
    let top = high + (high - low).max(1e-9) * 0.01;
    // Only the groups in view are laid out: hundreds of intersections cost nothing off screen.
    // Each group is two lines (name, slider).
    let spacing = ui.spacing().item_spacing.y;
    let group_height = 2.0 * ui.spacing().interact_size.y + spacing;
    egui::ScrollArea::vertical()
        .id_salt("thresholds")
        .auto_shrink([false, true])
        .max_height(560.0)
        .show_rows(ui, group_height, index.len(), |ui, range| {
            let groups = index.groups().get(range.clone()).unwrap_or(&[]);
            for (i, group) in range.zip(groups) {
                let is_selected = selected == Some(i);
                let name_id = ui
                    .horizontal(|ui| {
                        let (rect, _) =
                            ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                        ui.painter().rect_filled(rect, 2.0, group_color(i));
                        let name = ui
                            .selectable_label(is_selected, &group.key)
                            .on_hover_text("Select for arrow-key nudges");
                        if name.clicked() {
                            edits.push(Edit::Select(Some(i)));
                        }
                        let mut locked = state.is_locked(i);
                        let icon = if locked { "locked" } else { "lock" };
                        if ui
                            .toggle_value(&mut locked, icon)
                            .on_hover_text("Lock this group's threshold")
                            .changed()
                        {
                            edits.push(Edit::SetLocked { group: i, locked });
                        }
                        name.id
                    })
                    .inner;
                ui.horizontal(|ui| {
                    ui.add_space(14.0);
                    let current = state.values().get(i).copied().unwrap_or(low);
                    let mut shown = current.clamp(low, top);
                    let enabled = !state.is_locked(i);
                    let slider = ui
                        .add_enabled(
                            enabled,
                            egui::Slider::new(&mut shown, low..=top)
                                .show_value(false)
                                .clamping(egui::SliderClamping::Always),
                        )
                        .labelled_by(name_id);
                    if slider.changed() {
                        let value = if shown > high { f64::INFINITY } else { shown };
                        edits.push(Edit::SetThreshold {
                            group: i,
                            value: canonical_threshold(index, i, value, rule),
                        });
                    }
                    let mut value = current;
                    let field = ui
                        .add_enabled(
                            enabled,
                            egui::DragValue::new(&mut value)
                                .speed((high - low).max(1e-9) / 500.0)
                                .custom_formatter(|v, _| format_threshold(v))
                                .custom_parser(parse_threshold),
                        )
                        .labelled_by(name_id);
                    if field.changed() && value != current {
                        edits.push(Edit::SetThreshold { group: i, value });
                    }
                });
            }
        });
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> ThresholdState {
        ThresholdState::new(vec!["a".into(), "b".into(), "c".into()], 0.5)
    }

    #[test]
    fn one_drag_is_one_undo_step() {
        let mut s = state();
        s.set(0, 0.6);
        s.set(0, 0.7); // still dragging
        s.commit();
        s.set(1, 0.2);
        s.commit();
        assert_eq!(s.values(), [0.7, 0.2, 0.5]);
        s.undo();
        assert_eq!(s.values(), [0.7, 0.5, 0.5]);
        s.undo();
        assert_eq!(s.values(), [0.5, 0.5, 0.5]);
        assert!(!s.can_undo());
        s.redo();
        assert_eq!(s.values(), [0.7, 0.5, 0.5]);
        // A new change clears the redo stack.
        s.set(2, 0.9);
        s.commit();
        assert!(!s.can_redo());
    }

    #[test]
    fn uniform_mode_moves_unlocked_groups_only() {
        let mut s = state();
        s.set_locked(1, true);
        s.set_uniform(true, 0);
        s.set(2, 0.8);
        assert_eq!(s.values(), [0.8, 0.5, 0.8]);
        s.set(1, 0.1);
        assert_eq!(s.values(), [0.8, 0.5, 0.8], "locked groups do not move");
        s.reset(0.3);
        assert_eq!(s.values(), [0.3, 0.5, 0.3]);
    }

    #[test]
    fn regrouping_keeps_thresholds_by_key_and_undo_still_works() {
        let mut s = state();
        s.set(1, 0.9);
        s.commit();
        s.regroup(vec!["b".into(), "d".into()], 0.4);
        assert_eq!(s.values(), [0.9, 0.4]);
        s.undo();
        assert_eq!(
            s.values(),
            [0.5, 0.4],
            "b goes back to its previous threshold"
        );
        assert_eq!(s.position(&"d".into()), Some(1));
        assert_eq!(
            s.position(&"a".into()),
            None,
            "a left with the old grouping"
        );
    }

    /// A snapshot names groups by key: applied to another grouping, it moves the groups that
    /// share a key and no other, whatever their positions.
    #[test]
    fn a_snapshot_finds_its_groups_by_key_in_another_grouping() {
        let mut s = state();
        s.regroup(vec!["c".into(), "x".into(), "a".into()], 0.5);
        s.apply(&vec![
            ("a".into(), 0.2),
            ("b".into(), 0.9),
            ("c".into(), 0.7),
        ]);
        assert_eq!(s.values(), [0.7, 0.5, 0.2]);
        assert_eq!(
            s.keys().iter().map(GroupKey::as_str).collect::<Vec<_>>(),
            ["c", "x", "a"]
        );
    }

    #[test]
    fn typed_thresholds_parse() {
        assert_eq!(parse_threshold(" 0.25 "), Some(0.25));
        assert_eq!(parse_threshold("nobody"), Some(f64::INFINITY));
        assert_eq!(parse_threshold("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_threshold("abc"), None);
        assert_eq!(format_threshold(f64::INFINITY), "nobody");
    }
}
