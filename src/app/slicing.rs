//! The slicing panel: which attributes to group by (ticking several gives their intersections),
//! how numeric ones are binned, which levels are left out, and merging small groups.

use super::workspace::AttributeInfo;
use crate::engine::{AttributeGrouping, Binning, GroupingSpec};

/// Shows the grouping controls; returns the new grouping when the user changed it.
pub fn slicing_ui(
    ui: &mut egui::Ui,
    attributes: &[AttributeInfo],
    grouping: &GroupingSpec,
    min_count: f64,
) -> Option<GroupingSpec> {
    let mut spec = grouping.clone();
    ui.label("Group by (tick several for intersections):");
    for attribute in attributes {
        let position = spec
            .attributes
            .iter()
            .position(|a| a.name == attribute.name);
        let mut ticked = position.is_some();
        let kind = if attribute.numeric { " (numeric)" } else { "" };
        if ui
            .checkbox(&mut ticked, format!("{}{kind}", attribute.name))
            .changed()
        {
            match position {
                Some(i) if !ticked => {
                    spec.attributes.remove(i);
                }
                None if ticked => {
                    let mut added = AttributeGrouping::new(&attribute.name);
                    if attribute.numeric {
                        added.binning = Some(Binning::Quantiles { bins: 4 });
                    }
                    spec.attributes.push(added);
                }
                _ => {}
            }
        }
        let Some(grouping) = spec
            .attributes
            .iter_mut()
            .find(|a| a.name == attribute.name)
        else {
            continue;
        };
        ui.indent(("slice", &attribute.name), |ui| {
            if attribute.numeric {
                binning_ui(ui, grouping);
            } else {
                levels_ui(ui, attribute, grouping);
            }
        });
    }
    ui.separator();
    let mut merge = spec.merge_below.is_some();
    if ui
        .checkbox(
            &mut merge,
            format!("Merge groups under {min_count} into one"),
        )
        .on_hover_text("Groups lighter than the minimum count become \"Other (small groups)\"")
        .changed()
    {
        spec.merge_below = merge.then_some(min_count);
    }
    if let Some(minimum) = spec.merge_below
        && minimum != min_count
    {
        spec.merge_below = Some(min_count);
    }
    (spec != *grouping).then_some(spec)
}

fn binning_ui(ui: &mut egui::Ui, grouping: &mut AttributeGrouping) {
    let mut bins = match &grouping.binning {
        Some(Binning::Quantiles { bins }) => *bins,
        _ => 0,
    };
    ui.horizontal(|ui| {
        ui.label("Quantile bins:");
        let mut changed = false;
        for n in [2, 3, 4, 5, 10] {
            changed |= ui.selectable_value(&mut bins, n, n.to_string()).changed();
        }
        if changed {
            grouping.binning = Some(Binning::Quantiles { bins });
        }
    });
    ui.horizontal(|ui| {
        ui.label("or edges:");
        let id = ui.scope_id().with(("edges", &grouping.name));
        let mut text = ui.data_mut(|d| {
            d.get_temp::<String>(id)
                .unwrap_or_else(|| match &grouping.binning {
                    Some(Binning::Edges { edges }) => edges
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    _ => String::new(),
                })
        });
        let response = ui.add(
            egui::TextEdit::singleline(&mut text)
                .hint_text("25,35,50")
                .desired_width(90.0),
        );
        let parsed = text.parse::<Binning>();
        if response.lost_focus()
            && ui.input(|i| i.key_pressed(egui::Key::Enter))
            && let Ok(binning) = &parsed
        {
            grouping.binning = Some(binning.clone());
        }
        if !text.trim().is_empty()
            && let Err(message) = &parsed
        {
            ui.colored_label(super::palette::WARNING, "invalid")
                .on_hover_text(message.as_str());
        }
        ui.data_mut(|d| d.insert_temp(id, text));
    });
}

fn levels_ui(ui: &mut egui::Ui, attribute: &AttributeInfo, grouping: &mut AttributeGrouping) {
    let excluded = grouping.excluded_levels.len();
    let title = if excluded == 0 {
        format!("levels ({})", attribute.levels.len())
    } else {
        format!(
            "levels ({} of {} shown)",
            attribute.levels.len() - excluded,
            attribute.levels.len()
        )
    };
    egui::CollapsingHeader::new(title)
        .id_salt(("levels", &attribute.name))
        .show(ui, |ui| {
            for level in &attribute.levels {
                let mut included = !grouping.excluded_levels.contains(level);
                let kept = attribute.levels.len() - grouping.excluded_levels.len();
                // The last level cannot be left out: nothing would remain.
                let enabled = !included || kept > 1;
                if ui
                    .add_enabled(enabled, egui::Checkbox::new(&mut included, level))
                    .changed()
                {
                    if included {
                        grouping.excluded_levels.retain(|l| l != level);
                    } else {
                        grouping.excluded_levels.push(level.clone());
                    }
                }
            }
        });
}
