// Converts two real tables of the npm package vega-datasets (BSD-3-Clause package; data licences below) into the
// trainer's bundled format data/datasets/<name>.json.gz = {name, features, classes, labels, featureNames, x, y}.
// Run once; the outputs are committed, so nothing here runs at install or test time:
//
//   (cd /tmp && npm pack vega-datasets@3.2.1 && tar xzf vega-datasets-3.2.1.tgz)
//   npx tsx bench/pd1mini/import-vega.ts /tmp/package/data
//
// - seattle_weather: NOAA daily observations for Seattle 2012–2015 (U.S. Government work, public domain).
//   Features: precipitation, temp_max, temp_min, wind and the day of year as (sin, cos); label: weather (5 classes).
// - cars: StatLib "cars" (1983 ASA Data Exposition), rows with a missing value dropped.
//   Features: MPG, cylinders, displacement, horsepower, weight, acceleration, model year; label: origin (3 classes).
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

const source = process.argv[2];
if (!source) throw new Error('Usage: npx tsx bench/pd1mini/import-vega.ts <vega-datasets data folder>');
const out = path.join(__dirname, '..', '..', 'data', 'datasets');

function write(name: string, featureNames: string[], labels: string[], x: number[][], y: number[]): void {
  const round = (v: number) => Number(v.toPrecision(6));
  const body = { name, features: featureNames.length, classes: labels.length, labels, featureNames, x: x.map((r) => r.map(round)), y };
  writeFileSync(path.join(out, `${name}.json.gz`), gzipSync(JSON.stringify(body), { level: 9 }));
  process.stderr.write(`${name}: ${x.length} rows, ${featureNames.length} features, ${labels.length} classes\n`);
}

// Seattle weather (CSV with a header line).
{
  const lines = readFileSync(path.join(source, 'seattle-weather.csv'), 'utf8').trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  const col = (n: string) => header.indexOf(n);
  const labels = ['drizzle', 'fog', 'rain', 'snow', 'sun'];
  const x: number[][] = [];
  const y: number[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const date = new Date(`${f[col('date')]}T00:00:00Z`);
    const dayOfYear = (date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000;
    const angle = (2 * Math.PI * dayOfYear) / 365.25;
    const row = [Number(f[col('precipitation')]), Number(f[col('temp_max')]), Number(f[col('temp_min')]), Number(f[col('wind')]), Math.sin(angle), Math.cos(angle)];
    const label = labels.indexOf(f[col('weather')]!);
    if (label < 0 || !row.every(Number.isFinite)) continue;
    x.push(row);
    y.push(label);
  }
  write('seattle_weather', ['precipitation', 'temp_max', 'temp_min', 'wind', 'day_sin', 'day_cos'], labels, x, y);
}

// Cars (JSON array of records).
{
  const records = JSON.parse(readFileSync(path.join(source, 'cars.json'), 'utf8')) as Record<string, unknown>[];
  const names = ['Miles_per_Gallon', 'Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Year'];
  const labels = ['USA', 'Europe', 'Japan'];
  const x: number[][] = [];
  const y: number[] = [];
  for (const r of records) {
    const row = names.map((n) => (n === 'Year' ? new Date(String(r[n])).getUTCFullYear() : typeof r[n] === 'number' ? (r[n] as number) : Number.NaN));
    const label = labels.indexOf(String(r.Origin));
    if (label < 0 || !row.every(Number.isFinite)) continue;
    x.push(row);
    y.push(label);
  }
  write('cars', names, labels, x, y);
}
