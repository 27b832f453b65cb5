"""Writes the exports that `tests/exports.rs` opens: a dataset as Spark, pyarrow and pandas write it.

Run from the repository root, in a virtual environment with `pyspark` (needs Java 17),
`pyarrow` and `pandas`:

    SPARK_LOCAL_IP=127.0.0.1 python tests/data/exports/make_exports.py

Input: the first 3,000 rows of `sample_data/lending.csv`. Output, under `tests/data/exports/`:

- `flat.csv`: those rows, as one plain CSV (the reference every export must audit the same as);
- `spark_parquet/`: Spark's `df.write.partitionBy("region").parquet(...)`, three part files per
  region folder (`region=East/part-…snappy.parquet`), with `_SUCCESS` and `.crc` side files;
- `spark_csv_gz/`: Spark's gzip-compressed CSV with a header in every part (`part-….csv.gz`);
- `pyarrow_hive/`: `pyarrow.dataset.write_dataset` with Hive partitioning on an integer
  `cohort` column (`cohort=0/part-0.parquet`), as pandas/pyarrow pipelines write it;
- `flat.arrows`: the rows as an Arrow IPC *stream* (what `pyarrow.ipc.new_stream` writes to a
  pipe), for standard input.
"""

import csv
import os
import shutil
import sys

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as ds

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
ROWS = 3000


def main() -> None:
    with open(os.path.join(ROOT, "sample_data", "lending.csv"), newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [row for _, row in zip(range(ROWS), reader)]
    flat = os.path.join(HERE, "flat.csv")
    with open(flat, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)

    table = pacsv.read_csv(flat)
    with pa.OSFile(os.path.join(HERE, "flat.arrows"), "wb") as sink:
        with pa.ipc.new_stream(sink, table.schema) as stream:
            stream.write_table(table, max_chunksize=1000)

    hive = os.path.join(HERE, "pyarrow_hive")
    shutil.rmtree(hive, ignore_errors=True)
    cohort = pa.array([i % 3 for i in range(table.num_rows)], pa.int64())
    ds.write_dataset(
        table.append_column("cohort", cohort),
        hive,
        format="parquet",
        partitioning=["cohort"],
        partitioning_flavor="hive",
    )

    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("fulcrum-exports")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    frame = spark.read.option("header", True).option("inferSchema", True).csv(flat)
    parquet = os.path.join(HERE, "spark_parquet")
    shutil.rmtree(parquet, ignore_errors=True)
    frame.repartition(3).write.partitionBy("region").parquet(parquet)
    csv_gz = os.path.join(HERE, "spark_csv_gz")
    shutil.rmtree(csv_gz, ignore_errors=True)
    (
        frame.repartition(3)
        .write.option("header", True)
        .option("compression", "gzip")
        .csv(csv_gz)
    )
    spark.stop()
    print("wrote", HERE, file=sys.stderr)


if __name__ == "__main__":
    main()
