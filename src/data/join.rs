//! Scores kept in another file, joined to the data's rows on an id column: the usual shape of
//! a candidate model's output (`id, score_v2`) beside the table that holds the outcomes and
//! attributes. The join is exact and one-to-one: every data row must find exactly one row of
//! the scores file and every scores row must be used, or the load stops naming the file, the id
//! column, the row and the id — a silent many-to-one join would weigh some cases twice.

use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rustc_hash::FxHashMap;

use super::read::{ColumnSource, Request, file_schema, unreadable};
use super::source::{Resolved, resolve};
use super::{ColumnRoles, LoadError};

/// Where the scores that the data file lacks come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreJoin {
    /// The file (or folder of part files) holding the id column and the scores.
    pub file: PathBuf,
    /// The id column, present in both files, unique in each.
    pub id: String,
}

/// The models' score columns that the data file (`resolved`, its first part's schema and its
/// partition folders) does not have: these are read from the scores file.
pub(super) fn columns_to_join(
    data: &Path,
    resolved: &Resolved,
    roles: &ColumnRoles,
    join: &ScoreJoin,
) -> Result<Vec<String>, LoadError> {
    let Some(first) = resolved.parts.first() else {
        return Ok(Vec::new());
    };
    let schema =
        file_schema(&first.read, resolved.format).map_err(|e| e.renamed(&first.read, data))?;
    let in_data = |column: &str| {
        schema.get(column).is_some() || resolved.partition_keys.iter().any(|k| k == column)
    };
    let missing: Vec<String> = roles
        .models()
        .into_iter()
        .map(|m| m.score)
        .filter(|c| !in_data(c))
        .collect();
    if missing.is_empty() {
        return Err(LoadError::Join {
            path: join.file.clone(),
            column: join.id.clone(),
            problem: format!(
                "every score column is in the data file {}; --scores-file adds scores the data \
                 file lacks",
                data.display()
            ),
        });
    }
    Ok(missing)
}

/// The request for the data file: every mapped column but the joined ones, and the id.
pub(super) fn data_request(roles: &ColumnRoles, joined: &[String], id: &str) -> Request {
    let mut request = Request::of_roles(roles);
    request.columns.retain(|(c, _)| !joined.contains(c));
    request.numeric.retain(|(c, _)| !joined.contains(c));
    request.columns.push((id.to_owned(), "id"));
    request
}

/// Reads the joined score columns from the scores file, puts them in the data's row order and
/// hands them to `data`, which then serves them as if the data file had them.
pub(super) fn join_scores(
    data_path: &Path,
    data: &mut ColumnSource,
    join: &ScoreJoin,
    joined: &[String],
) -> Result<(), LoadError> {
    let mut request = Request {
        columns: vec![(join.id.clone(), "id")],
        numeric: Vec::new(),
    };
    for column in joined {
        request.columns.push((column.clone(), "score"));
        request.numeric.push((column.clone(), "score"));
    }
    let mut scores = ColumnSource::open(resolve(&join.file)?, &request)?;
    let order = {
        let data_ids = ids(data_path, &data.column(&join.id, false)?, &join.id)?;
        let score_ids = ids(&join.file, &scores.column(&join.id, false)?, &join.id)?;
        match_rows(data_path, &data_ids, &join.file, &score_ids, &join.id)
    }
    .map_err(|e| scores.locate(e, &join.file))?;
    let order = IdxCa::from_vec(PlSmallStr::EMPTY, order);
    let last = joined.len().saturating_sub(1);
    for (position, column) in joined.iter().enumerate() {
        let series = scores
            .column(column, position == last)
            .map_err(|e| scores.locate(e, &join.file))?;
        let aligned = series.take(&order).map_err(|e| unreadable(&join.file, e))?;
        data.supply(column, aligned);
    }
    Ok(())
}

/// An id column as text (integers and text ids compare by their text), refusing missing ids.
fn ids(path: &Path, series: &Series, column: &str) -> Result<Vec<String>, LoadError> {
    let text = series
        .cast(&DataType::String)
        .map_err(|e| unreadable(path, e))?;
    let text = text.str().map_err(|e| unreadable(path, e))?;
    text.iter()
        .enumerate()
        .map(|(row, id)| {
            id.map(str::to_owned).ok_or_else(|| LoadError::Join {
                path: path.to_path_buf(),
                column: column.to_owned(),
                problem: format!("row {} has no id", row + 1),
            })
        })
        .collect()
}

/// For each data row, the row of the scores file with the same id. Every id must be unique in
/// its file, every data row must find its scores and every scores row must be used.
fn match_rows(
    data_path: &Path,
    data_ids: &[String],
    scores_path: &Path,
    score_ids: &[String],
    column: &str,
) -> Result<Vec<IdxSize>, LoadError> {
    let error = |path: &Path, problem: String| LoadError::Join {
        path: path.to_path_buf(),
        column: column.to_owned(),
        problem,
    };
    let mut by_id: FxHashMap<&str, usize> = FxHashMap::default();
    for (row, id) in score_ids.iter().enumerate() {
        match by_id.entry(id.as_str()) {
            Entry::Occupied(first) => {
                return Err(error(
                    scores_path,
                    format!(
                        "id {:?} is on rows {} and {}; each id must have one row of scores",
                        id,
                        first.get() + 1,
                        row + 1
                    ),
                ));
            }
            Entry::Vacant(slot) => {
                slot.insert(row);
            }
        }
    }
    let mut used_by: Vec<Option<usize>> = vec![None; score_ids.len()];
    let mut order: Vec<IdxSize> = Vec::with_capacity(data_ids.len());
    for (row, id) in data_ids.iter().enumerate() {
        let Some(&scores_row) = by_id.get(id.as_str()) else {
            return Err(error(
                data_path,
                format!(
                    "row {} has id {:?}, which {} does not have",
                    row + 1,
                    id,
                    scores_path.display()
                ),
            ));
        };
        if let Some(first) = used_by[scores_row] {
            return Err(error(
                data_path,
                format!(
                    "id {:?} is on rows {} and {}; each case must have one row",
                    id,
                    first + 1,
                    row + 1
                ),
            ));
        }
        used_by[scores_row] = Some(row);
        order.push(
            IdxSize::try_from(scores_row)
                .map_err(|_| error(scores_path, "too many rows to join".to_owned()))?,
        );
    }
    let unused: Vec<usize> = (0..score_ids.len())
        .filter(|&r| used_by[r].is_none())
        .collect();
    if let Some(&first) = unused.first() {
        return Err(error(
            scores_path,
            format!(
                "{} row(s) have ids the data file {} does not have (first: row {}, id {:?}); \
                 the scores must be of the same cases",
                unused.len(),
                data_path.display(),
                first + 1,
                score_ids[first]
            ),
        ));
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn rows_are_matched_by_id_in_the_datas_order() {
        let order = match_rows(
            Path::new("d.csv"),
            &strings(&["7", "3", "5"]),
            Path::new("s.csv"),
            &strings(&["3", "5", "7"]),
            "id",
        )
        .unwrap();
        assert_eq!(order, vec![2, 0, 1]);
    }

    #[test]
    fn unmatched_and_repeated_ids_are_named_with_their_rows() {
        let message = |data: &[&str], scores: &[&str]| {
            match_rows(
                Path::new("d.csv"),
                &strings(data),
                Path::new("s.csv"),
                &strings(scores),
                "id",
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            message(&["1", "2"], &["1", "1", "2"]),
            "s.csv: column `id` (join id): id \"1\" is on rows 1 and 2; each id must have one row of scores"
        );
        assert_eq!(
            message(&["1", "9"], &["1", "2"]),
            "d.csv: column `id` (join id): row 2 has id \"9\", which s.csv does not have"
        );
        assert_eq!(
            message(&["1", "1"], &["1", "2"]),
            "d.csv: column `id` (join id): id \"1\" is on rows 1 and 2; each case must have one row"
        );
        assert_eq!(
            message(&["2"], &["1", "2", "3"]),
            "s.csv: column `id` (join id): 2 row(s) have ids the data file d.csv does not have \
             (first: row 1, id \"1\"); the scores must be of the same cases"
        );
    }
}
