// Generated: the SOURCE.md of each shared data set, verbatim (fetch writes them; their sha256 is in manifest.ts).

export const SOURCE_NOTES: Readonly<Record<string, string>> = {
  'air-quality-uci-italy': `# Air Quality (UCI, Italian city multisensor device) — task 2: urban air-quality forecasting

- **Original dataset:** "Air Quality", UCI Machine Learning Repository, donated by Saverio De Vito (ENEA). https://archive.ics.uci.edu/ml/datasets/Air+Quality
  - It holds hourly averages from a metal-oxide multisensor device and co-located certified reference analysers.
  - The device was installed at road level in a significantly polluted area of an Italian city, March 2004 – April 2005.
- **Citation:** De Vito, S., Massera, E., Piga, M., Martinotto, L., Di Francia, G. (2008). On field calibration of an electronic nose for benzene estimation in an urban pollution monitoring scenario. Sensors and Actuators B: Chemical 129(2): 750–757.
- **Licence:** CC BY 4.0, as shown on UCI. **Not re-checked offline.**
- **Copied from:** GitHub \`ahmetmenevse/UCI_airquality\`, path \`AirQualityUCI.csv\`, commit \`7a5b1d23b342177edcb1775e2b012057fdc41cb3\` (2025-01-10). The file is byte-identical to that blob.
- **Format differences from the original UCI CSV.** The original is semicolon-separated with decimal commas, has trailing empty columns and blank trailing lines, and uses times like \`18.00.00\`. This copy differs as follows:
  - comma-separated, with decimal points;
  - times written \`18:00:00\`;
  - headers renamed (\`CO(GT)\`→\`CO_GT\`, \`PT08.S1(CO)\`→\`PT08_S1_CO\`, and so on);
  - the empty trailing columns and blank rows dropped.

  The values look unchanged: the first row equals the original first row (2.6, 1360, 150, 11.9, 1046, 166, 1056, 113, 1692, 1268, 13.6, 48.9, 0.7578). No copy in the exact original format could be found in the index.

## Contents
| column | original name | meaning / unit |
|---|---|---|
| Date | Date | \`D/MM/YYYY\` (day-first) |
| Time | Time | \`HH:MM:SS\` |
| CO_GT | CO(GT) | reference CO, mg/m³ |
| PT08_S1_CO | PT08.S1(CO) | tin-oxide sensor response (nominally CO) |
| NMHC_GT | NMHC(GT) | reference non-methane hydrocarbons, µg/m³ |
| C6H6_GT | C6H6(GT) | reference benzene, µg/m³ |
| PT08_S2_NMHC | PT08.S2(NMHC) | titania sensor response (nominally NMHC) |
| NOx_GT | NOx(GT) | reference NOx, ppb |
| PT08_S3_NOx | PT08.S3(NOx) | tungsten-oxide sensor response (nominally NOx) |
| NO2_GT | NO2(GT) | reference NO2, µg/m³ |
| PT08_S4_NO2 | PT08.S4(NO2) | tungsten-oxide sensor response (nominally NO2) |
| PT08_S5_O3 | PT08.S5(O3) | indium-oxide sensor response (nominally O3) |
| T | T | temperature, °C |
| RH | RH | relative humidity, % |
| AH | AH | absolute humidity |

- **Rows × columns:** 9,357 × 15. The series is hourly-continuous (no gaps) from 10/03/2004 18:00 to 04/04/2005 14:00. UCI's page states 9,358 instances, but the original CSV also holds 9,357 data rows; this is a known off-by-one in the description.
- **Missing values:** written as \`-200\`; there are 16,701 such cells. Per column: NMHC_GT 8,443 (about 90% missing), CO_GT 1,683, NO2_GT 1,642, NOx_GT 1,639, and 366 for each of the other columns.
- **Interval:** hourly.
- **Suits:** a second city and a different sensor type for NO2, NOx, CO and benzene forecasting (task 2), and cross-city transfer.

## Files in this folder (verified: byte-identical to the source git blob, not a Git LFS pointer, not truncated)
| file | bytes | sha256 |
|---|---|---|
| \`AirQualityUCI.csv\` | 740,514 | \`5d04e790353ece1e263ad4251c6c285c076cbc55aaa0cb70e06214e1a265ec15\` |

Copied by a helper session from a stored GitHub snapshot. The copies were not modified.
`,
  'beijing-multisite-air-quality': `# Beijing Multi-Site Air-Quality (UCI) — task 2: urban air-quality forecasting (PM2.5 / NO2 / …)

- **Original dataset:** "Beijing Multi-Site Air-Quality Data", UCI Machine Learning Repository, dataset 501, donated 2019-09-20 by Song Xi Chen (Peking University). https://archive.ics.uci.edu/dataset/501/beijing+multi+site+air+quality+data
  - Pollutant data come from the Beijing Municipal Environmental Monitoring Center.
  - Meteorology comes from the nearest China Meteorological Administration station.
- **Citation:** Zhang, S., Guo, B., Dong, A., He, J., Xu, Z., Chen, S.X. (2017). Cautionary tales on air-quality improvement in Beijing. Proceedings of the Royal Society A 473(2205): 20170457. doi:10.1098/rspa.2017.0457.
- **Licence:** CC BY 4.0, the licence UCI shows for this dataset. This was **not re-checked offline**; confirm it on the UCI page. The source GitHub repo's README mentions a LICENSE file, but none is present in it.
- **Copied from:** GitHub \`Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis\`, repo root, commit \`0aa46c055fcca7da49ebac9329435ffe674b74c3\` (2024-12-19). Each file is byte-identical to its blob. All 12 station files were present and complete: 12 × 35,064 = 420,768 rows, equal to the UCI instance count.
- **In shared:** 11 stations — Aotizhongxin, Changping, Dingling, Guanyuan, Gucheng, Huairou, Nongzhanguan, Shunyi, Tiantan, Wanliu and Wanshouxigong.
- **Held out:** station **Dongsi** → \`holdout/datasets/beijing-multisite-air-quality/\`.

## Contents (each \`PRSA_Data_<Station>_20130301-20170228.csv\`)
| column | meaning / unit |
|---|---|
| No | row number 1..35064 |
| year, month, day, hour | timestamp (local time) |
| PM2.5, PM10 | particulate concentration, µg/m³ |
| SO2, NO2, CO, O3 | gas concentration, µg/m³ (per UCI) |
| TEMP | temperature, °C |
| PRES | pressure, hPa |
| DEWP | dew point, °C |
| RAIN | precipitation, mm |
| wd | wind direction (16-point compass, categorical) |
| WSPM | wind speed, m/s |
| station | station name |

- **Rows × columns:** 35,064 × 18 per station (4 years × 8,766 h).
- **Interval:** hourly, 2013-03-01 00:00 → 2017-02-28 23:00.
- **Missing values:** written as \`NA\`. PM2.5 is NA in 382–953 rows per station.
- **Suits:** per-station or multi-station (spatial) hourly forecasting of PM2.5, NO2 and other pollutants, with weather covariates (task 2).

## Files in this folder (verified: byte-identical to the source git blob, not a Git LFS pointer, not truncated)
| file | bytes | sha256 |
|---|---|---|
| \`PRSA_Data_Aotizhongxin_20130301-20170228.csv\` | 2,835,916 | \`a94fbcfc71708b6ffdc033360163d91efb7f675e496f6b5860929aa96b96351b\` |
| \`PRSA_Data_Changping_20130301-20170228.csv\` | 2,722,295 | \`a2e21402a6d95fb7043f87959e6e3dcbecb957aac356a6f8028a85b047c772e7\` |
| \`PRSA_Data_Dingling_20130301-20170228.csv\` | 2,675,856 | \`3d8dff81f18a80d9f455876a785642bffe1e9b9924ec1e6b7ce8cca790432eeb\` |
| \`PRSA_Data_Guanyuan_20130301-20170228.csv\` | 2,695,860 | \`59390fee3b032597b387491f5230e7edb90a8558e30217ebd6d9befbe669fbf9\` |
| \`PRSA_Data_Gucheng_20130301-20170228.csv\` | 2,654,625 | \`10ae48801ea55869fee56a48b885fb1127859c130551888d71673f34216ba951\` |
| \`PRSA_Data_Huairou_20130301-20170228.csv\` | 2,641,027 | \`812dcbe848b3ba2c2d25731064797bff803c46eb0c602156a1fa044df136dc26\` |
| \`PRSA_Data_Nongzhanguan_20130301-20170228.csv\` | 2,839,705 | \`572cf87b65ef543cd55d3a711b28474def224a46b0ec3fc8add8aaf13b67a487\` |
| \`PRSA_Data_Shunyi_20130301-20170228.csv\` | 2,620,654 | \`520b59e4ead3b0cfe7f1ed673e30275de8441e999db6f413d5172d2277b8c15a\` |
| \`PRSA_Data_Tiantan_20130301-20170228.csv\` | 2,655,061 | \`0743e34799cf1ee36195b73321b91baa5625276532e7263c588f68cdef3b4daa\` |
| \`PRSA_Data_Wanliu_20130301-20170228.csv\` | 2,659,544 | \`0b1a6d754a07f0def2f55434ddfa3870dcd0063b7f766a6f66b6c11bb05a377a\` |
| \`PRSA_Data_Wanshouxigong_20130301-20170228.csv\` | 2,871,076 | \`ab1d6a356d6997a45f6d657ad47de1e05a4a08d4a7015b38a329a90665ab74d0\` |

Copied by a helper session from a stored GitHub snapshot. The copies were not modified.
`,
  'gas-turbine-co-nox-tey': `# Gas Turbine CO and NOx Emission Data Set (UCI) — task 4: plant production-rate regression (TEY = turbine energy yield)

- **Original dataset:** "Gas Turbine CO and NOx Emission Data Set", UCI Machine Learning Repository, by Heysem Kaya, Pınar Tüfekçi and Erdinç Uzun. https://archive.ics.uci.edu/ml/datasets/Gas+Turbine+CO+and+NOx+Emission+Data+Set
  - It holds 36,733 hourly aggregates of 11 **real** sensor measurements from a gas turbine in a power plant in north-western Turkey, 2011-01-01 → 2015-12-31.
- **Citation:** Kaya, H., Tüfekci, P., Uzun, E. (2019). Predicting CO and NOx emissions from gas turbines: novel data and a benchmark PEMS. Turkish Journal of Electrical Engineering & Computer Sciences 27: 4783–4796. doi:10.3906/elk-1807-87. The text of \`readme.txt\` is copied from the source repo.
- **Licence:** CC BY 4.0, the licence UCI shows for this dataset. **Not re-checked offline.** The source GitHub repo has no licence file.
- **Copied from:** GitHub \`xiao-lin-ux/ChE352-Process-Simulation\`, directory \`lecture6/co_nox_dataset/\`, commit \`cab09e17231669680a14527ea1ee6b7a008d1611\` (2022-07-12). The files are \`gt_2011.csv\`…\`gt_2014.csv\`, \`description.csv\` and \`readme.txt\`, all byte-identical. This is the unzipped UCI archive; the \`__MACOSX\` resource forks were not copied.
- **Split:**
  - In shared: 2011–2014.
  - Held out: \`gt_2015.csv\`, in \`holdout/datasets/gas-turbine-co-nox-tey/\`.
  - The official protocol in \`readme.txt\` is "first three years for training/CV, last two for testing". So use 2011–2013 for training and treat \`gt_2014.csv\` as validation or test, **not** as training, if results are to be comparable.

## Contents
| column | meaning | unit | min–max (all years) |
|---|---|---|---|
| AT | ambient temperature | °C | 6.23–37.10 |
| AP | ambient pressure | mbar | 985.85–1036.56 |
| AH | ambient humidity | % | 24.08–100.20 |
| AFDP | air-filter difference pressure | mbar | 2.09–7.61 |
| GTEP | gas-turbine exhaust pressure | mbar | 17.70–40.72 |
| TIT | turbine inlet temperature | °C | 1000.85–1100.89 |
| TAT | turbine after temperature | °C | 511.04–550.61 |
| TEY | **turbine energy yield — target (production rate)** | MWh (per hour) | 100.02–179.50 |
| CDP | compressor discharge pressure | mbar | 9.85–15.16 |
| CO | carbon monoxide | mg/m³ | 0–44.10 |
| NOX | nitrogen oxides | mg/m³ | 25.90–119.91 |

The ranges are from \`description.csv\`.

| file | rows × cols |
|---|---|
| gt_2011.csv | 7,411 × 11 |
| gt_2012.csv | 7,628 × 11 |
| gt_2013.csv | 7,152 × 11 |
| gt_2014.csv | 7,158 × 11 |
| (held out) gt_2015.csv | 7,384 × 11 |

The five files sum to 36,733 rows, equal to the UCI count.

- **Interval:** hourly (averages or sums). There are **no timestamps**, but rows are in chronological order (per \`readme.txt\`).
- **Suits:** hourly plant output, or production-rate, regression and forecasting from process and ambient sensors (task 4). CO and NOx can also be secondary targets.
- **Caveat:** this is a power plant's energy output, used as a proxy for "factory throughput". No real, recorded production-line throughput series of suitable size could be found on GitHub.
- **Published baseline seen:** the README of \`MarkLee7925/Gas-Turbine-Emissions\` reports TEY regression on all five years merged and randomly split (not the official protocol):
  - linear regression: R² 0.996, RMSE ≈ 1.00;
  - LightGBM: R² 0.998, RMSE 0.76 (MAE 0.58 for a sample model).

## Files in this folder (verified: byte-identical to the source git blob, not a Git LFS pointer, not truncated)
| file | bytes | sha256 |
|---|---|---|
| \`description.csv\` | 584 | \`3b52bc8dcd24129ee0148f427ba9e13c8b990cf85243bf7e7b33d7d9a55966ab\` |
| \`gt_2011.csv\` | 562,921 | \`d87ceef9aa59533cc7d924d10de241b1b06ecd11f9b26bab59191ea0f8a76b9a\` |
| \`gt_2012.csv\` | 577,617 | \`be54b9d0e1a7de40c55d32fa489e75de892b000c066b5a09f09a19124ee29100\` |
| \`gt_2013.csv\` | 540,334 | \`13c437bb440ec2045bd12057e6654c41dd4107a661eac16ba2e878e897a08f9e\` |
| \`gt_2014.csv\` | 541,009 | \`c2a03c92c9c3207aad0c6be7de8d9b5b4bfa4720ad0efb2c1f21b6cec4d3f3fa\` |
| \`readme.txt\` | 1,256 | \`031271acfc29c9e922abbaa07d4ec3ea9e44180df467c4aa3c80b37dcea52732\` |

Copied by a helper session from a stored GitHub snapshot. The copies were not modified.
`,
  'hydraulic-condition-monitoring-ts': `# Condition Monitoring of Hydraulic Systems (UCI/ZeMA) — temperature-sensor subset — task 3: fault diagnosis (auxiliary)

- **Original dataset:** "Condition monitoring of hydraulic systems", UCI Machine Learning Repository, dataset 447. Creator: ZeMA gGmbH, Saarbrücken (N. Helwig, T. Schneider, M. Bastuck). https://archive.ics.uci.edu/dataset/447/condition+monitoring+of+hydraulic+systems
  - The data were **recorded** on a real hydraulic test rig.
  - The rig repeats 60-s constant load cycles, while the condition of four components (cooler, valve, pump, accumulator) is varied quantitatively.
- **Citation:** Helwig, N., Pignanelli, E., Schütze, A. (2015). Condition monitoring of a complex hydraulic system using multivariate statistics. Proc. IEEE I2MTC 2015, Pisa, Italy. The DOI was not verified offline.
- **Licence:** CC BY 4.0, the licence UCI shows for this dataset. **Not re-checked offline.** The source GitHub repo has no licence file. Its README, a copy of the UCI description, is kept here as \`ORIGINAL_README_luishpinto.md\`.
- **Copied from:** GitHub \`luishpinto/cm-hydraulic-data-set\`, commit \`91199aec67d970c6917949b28bbb94daca285383\` (2020-02-11), paths \`TS1.txt\`, \`TS2.txt\`, \`TS3.txt\`, \`TS4.txt\`, \`profile.txt\`, \`README.md\`. The files are byte-identical to those blobs.

## PARTIAL dataset
This repo holds only the four 1-Hz temperature sensors and the label file. The other sensors were not brought:
- PS1–PS6 pressures and EPS1 motor power (100 Hz);
- FS1–FS2 flows (10 Hz);
- VS1 vibration and the CE, CP, SE virtual sensors (1 Hz).

The 100 Hz and 10 Hz files are 4 MiB or more, so snapshots omit them, and no GitHub copy of VS1, CE, CP or SE was found.

## Contents (tab-separated, no header; row i = load cycle i)
| file | shape | meaning |
|---|---|---|
| \`TS1.txt\`…\`TS4.txt\` | 2,205 × 60 | temperature, °C, 1 Hz × 60 s per cycle |
| \`profile.txt\` | 2,205 × 5 | labels per cycle (see below) |

Columns of \`profile.txt\`:
1. Cooler condition, %: 3 (close to total failure) / 20 (reduced efficiency) / 100 (full efficiency). Counts 732 / 732 / 741.
2. Valve condition, %: 100 (optimal) / 90 (small lag) / 80 (severe lag) / 73 (close to total failure). Counts 1,125 / 360 / 360 / 360.
3. Internal pump leakage: 0 (none) / 1 (weak) / 2 (severe). Counts 1,221 / 492 / 492.
4. Hydraulic accumulator, bar: 130 (optimal) / 115 / 100 / 90 (close to total failure). Counts 599 / 399 / 399 / 808.
5. Stable flag: 0 (stable) / 1 (static conditions may not have been reached). Counts 1,449 / 756.

- **Rows:** 2,205 cycles. This matches UCI, and so do all the class counts above.
- **Interval:** 1 s within a cycle, and 60-s cycles.
- **Suits:**
  - multi-class, multi-label component-condition classification from multivariate sensor windows;
  - pretraining for the fault head.

  With temperatures only, the cooler condition is well determined; the valve, pump and accumulator conditions are weakly observable.

## Files in this folder (verified: byte-identical to the source git blob, not a Git LFS pointer, not truncated)
| file | bytes | sha256 |
|---|---|---|
| \`ORIGINAL_README_luishpinto.md\` | 3,232 | \`a8d53ca82056274be543c7fcf628a0be66b4656fc27ae111d67204cb2c143888\` |
| \`TS1.txt\` | 904,586 | \`49cae5e9013d8e230698d95f53a98bb77fedfe3c86985b812cf701dcc9ef06d8\` |
| \`TS2.txt\` | 910,594 | \`34115a5b86886d83c0592c1ed259605634a8c83d3a051e97bf3e5790f1db58fa\` |
| \`TS3.txt\` | 908,805 | \`cc271852b4caad39a3b8f5c36d948b57f6cab761dad8b4c7bdd7cb7e99c0b980\` |
| \`TS4.txt\` | 910,127 | \`548b903f7cd4ea7f2497c0063bdda4bdf8793d55ff43a7d694b8cb835eaf2f55\` |
| \`profile.txt\` | 31,196 | \`867987ca884b2f0fd607ad3918329eba887d095af2befa21122cea518eaa584a\` |

Copied by a helper session from a stored GitHub snapshot. The copies were not modified.
`,
  'los-loop-metr-la-speed': `# Los-loop (METR-LA subset used by T-GCN) — task 1: urban traffic speed forecasting

- **Original dataset:** the "Los-loop" subset of METR-LA. It holds loop-detector speeds from 207 sensors on Los Angeles County highways, 1–7 March 2012, at 5-minute resolution. It was prepared by the T-GCN authors.
- **Citations:**
  - Zhao, L., Song, Y., Zhang, C., Liu, Y., Wang, P., Lin, T., Deng, M., Li, H. (2019). T-GCN: A Temporal Graph Convolutional Network for Traffic Prediction. IEEE Transactions on Intelligent Transportation Systems. doi:10.1109/TITS.2019.2935152.
  - Underlying METR-LA data: Jagadish, H. V. et al. (2014). Big data and its technical challenges. Communications of the ACM 57(7). It was popularised by Li, Y. et al. (2018), DCRNN, ICLR.
- **Licence:** no licence is stated for the data. The repo's PyTorch code carries the MIT licence (\`LICENSE-T-GCN-PyTorch-code-MIT.txt\`, copied from \`T-GCN/T-GCN-PyTorch/LICENSE\`); it covers the code, not the data. Treat the data as "public research benchmark, no explicit licence", and cite the papers above.
- **Copied from:** GitHub \`lehaifeng/T-GCN\`, commit \`219a2346f5bf68d54d91a948e7a41a08f9edc46b\` (snapshot of 2025-04-03). The paths were \`data/los_speed.csv\` and \`data/los_adj.csv\`. The copies of \`los_speed.csv\` under \`T-GCN/T-GCN-PyTorch/data/\` and \`STGC-GNN/data/\` are byte-identical (md5 844f1a9e…).

## Contents
| file | shape | meaning |
|---|---|---|
| \`los_speed.csv\` | header row of 207 sensor IDs + 2,016 rows × 207 columns | mean speed per sensor per 5 min (METR-LA speeds are in mph; min 1.0, max 70.0, no zeros). No timestamp column: rows are consecutive 5-min steps from 2012-03-01 00:00 (7 days × 288). |
| \`los_adj.csv\` | 207 × 207, no header | sensor adjacency / weight matrix, in the same order as the columns of \`los_speed.csv\` |

- **Interval:** 5 minutes.
- **Rows:** 2,016. That is 7 days × 288, as the T-GCN README describes ("207 sensors … from Mar.1 to Mar.7, 2012").
- **Suits:** multi-sensor (graph) speed forecasting at 15, 30, 45 and 60 min horizons. T-GCN used seq_len 12 and pre_len 3/6/9/12 with an 80/20 chronological split.
- **Not brought:** SZ-taxi (\`sz_speed.csv\`) from the same repo. Its blob is missing from the snapshot, because the snapshot omits files of 4 MiB or more.

## Files in this folder (verified: byte-identical to the source git blob, not a Git LFS pointer, not truncated)
| file | bytes | sha256 |
|---|---|---|
| \`LICENSE-T-GCN-PyTorch-code-MIT.txt\` | 1,066 | \`9d3dc106991d2a8c963e4d93ebca37b822b50c0d2b24c832d82002ce243cbe9f\` |
| \`los_adj.csv\` | 111,686 | \`7a6eb41e10677992b5af50f5ab187c6c05c5c3a92cb973950cfddbf857361e76\` |
| \`los_speed.csv\` | 3,402,125 | \`7b732d86ae32b2930595becba28aff39dacbfb2197e250fc0332e1744ce2cbf4\` |

Copied by a helper session from a stored GitHub snapshot. The copies were not modified.
`,
  'metro-interstate-traffic-volume': `# Metro Interstate Traffic Volume (UCI) — task 1: urban traffic volume forecasting

- **Original dataset:** "Metro Interstate Traffic Volume", UCI Machine Learning Repository, dataset 492, donated 2019 by John Hogue (Social Data Science & General Mills). https://archive.ics.uci.edu/dataset/492/metro+interstate+traffic+volume — DOI 10.24432/C5X60B.
- **Underlying sources:** hourly westbound I-94 volume from MN DoT ATR station 301 (between Minneapolis and St Paul, MN); weather from OpenWeatherMap.
- **Citation:** Hogue, J. (2019). Metro Interstate Traffic Volume [Dataset]. UCI Machine Learning Repository. https://doi.org/10.24432/C5X60B. (The old UCI page also asked users to cite the talk "Anomaly Detection A to Z", https://github.com/dreyco676/Anomaly_Detection_A_to_Z.)
- **Licence:** CC BY 4.0, the licence UCI shows for this dataset. This was **not re-checked offline**; confirm it on the UCI page before you publish. The GitHub repo it was copied from has no licence file.
- **Copied from:** GitHub \`CodyTheCoderPrice/Finding-Heavy-Traffic-Indicators-on-I94\`, path \`Metro_Interstate_Traffic_Volume.csv\`, commit \`71a5b54c34abb30e8e72fa0032d3898e3996e5f3\` (snapshot of 2024-01-29). The file is byte-identical to that blob. It looks like the unmodified UCI CSV: same header and first and last rows, and the same row count as UCI documents.

## Contents
| column | meaning / unit |
|---|---|
| holiday | US national + regional holiday name, or \`None\` |
| temp | mean temperature, kelvin |
| rain_1h | rain in the hour, mm |
| snow_1h | snow in the hour, mm |
| clouds_all | cloud cover, % |
| weather_main | short weather category (Clear, Clouds, Rain, Snow, Mist, ...) |
| weather_description | longer weather text |
| date_time | hour of observation, local CST, \`YYYY-MM-DD HH:MM:SS\` |
| traffic_volume | hourly westbound I-94 vehicle count at ATR 301 (0–7280) — **target** |

- **Rows × columns:** 48,204 × 9 (plus a header). This matches the 48,204 instances that UCI documents.
- **Interval:** hourly, 2012-10-02 09:00 → 2018-09-30 23:00.
- **Caveats:**
  - There are only 40,575 distinct timestamps, because an hour that had several weather conditions appears on several rows. Deduplicate by \`date_time\` before forecasting.
  - There are 2,588 gaps longer than 1 h. The largest runs from 2014-08-08 to 2015-06-11 (about 308 days).
- **Suits:** single-station hourly traffic-volume forecasting with exogenous weather and holiday covariates (task 1).
- **Held-out counterpart:** the traffic hold-out is the PeMS detector test split (\`holdout/datasets/pems-detector-5min-flow/test.csv\`), not a part of this file.

## Files in this folder (verified: byte-identical to the source git blob, not a Git LFS pointer, not truncated)
| file | bytes | sha256 |
|---|---|---|
| \`Metro_Interstate_Traffic_Volume.csv\` | 3,188,251 | \`3ec6b8844c4e5e20904855c81079a30e4342da20b7010e78606a244e539f29f6\` |

Copied by a helper session from a stored GitHub snapshot. The copies were not modified.
`,
  'pems-detector-5min-flow': `# PeMS single-detector 5-min flow (xiaochus/TrafficFlowPrediction) — task 1: traffic flow forecasting — TRAIN split

- **Original dataset:** Caltrans Performance Measurement System (PeMS). It gives 5-minute lane flow for one freeway loop detector in California, January–March 2016. It was packaged as an official train/test pair by the repository "Traffic Flow Prediction with Neural Networks (SAEs, LSTM, GRU)".
- **Data source:** Caltrans PeMS, https://pems.dot.ca.gov/. This is public agency data. The repo does not document which detector or station ID it is.
- **Citations:**
  - xiaochus/TrafficFlowPrediction, https://github.com/xiaochus/TrafficFlowPrediction.
  - The method papers cited there: Lv, Y. et al. (2015), "Traffic Flow Prediction With Big Data: A Deep Learning Approach", IEEE T-ITS 16(2):865–873; and Fu, R., Zhang, Z., Li, L., "Using LSTM and GRU neural network methods for traffic flow prediction", Chinese Association of Automation, 2017: 324–328.
- **Licence:** the repository is MIT (\`LICENSE-xiaochus-TrafficFlowPrediction-MIT.txt\`, copied verbatim). The flow data themselves are Caltrans PeMS public data, with no separate licence stated.
- **Copied from:** GitHub \`xiaochus/TrafficFlowPrediction\`, path \`data/train.csv\`, commit \`dec8243eb4ebe728d44d1ac73f38c2d3aaa9fd81\` (2018-03-21). The file is byte-identical to that blob.

## Contents (\`train.csv\`; UTF-8 with BOM)
| column | meaning |
|---|---|
| \`5 Minutes\` | timestamp, **day-first** \`DD/MM/YYYY H:MM\` (e.g. \`29/02/2016 23:55\`) |
| \`Lane 1 Flow (Veh/5 Minutes)\` | vehicles per 5 min on lane 1 (0–197) — **target** |
| \`# Lane Points\` | number of lane points (always 1) |
| \`% Observed\` | % of samples observed (100 except one row with 0) |

- **Rows × columns:** 7,776 × 4. That is 27 complete days × 288: selected weekdays from 04/01/2016 to 29/02/2016.
- **Interval:** 5 minutes. Within a day the steps are continuous; whole days are skipped between selected days.
- **Suits:** univariate short-term flow forecasting. The repo uses 12 lags → 1 step.
- **Held-out counterpart:** \`holdout/datasets/pems-detector-5min-flow/test.csv\`, the official test split (March 2016).
- **Published baseline (repo README, test split):**

  | model | MAE | RMSE | MAPE | R² |
  |---|---|---|---|---|
  | LSTM | 7.21 | 9.90 | 16.56% | 0.9396 |
  | GRU | 7.20 | 9.97 | 16.78% | — |
  | SAEs | 7.06 | 9.60 | 17.80% | 0.9433 |

## Files in this folder (verified: byte-identical to the source git blob, not a Git LFS pointer, not truncated)
| file | bytes | sha256 |
|---|---|---|
| \`LICENSE-xiaochus-TrafficFlowPrediction-MIT.txt\` | 1,062 | \`9bbc5c5cded26ded72af03c19e527d6545520e6f892f64cdc97cc57080f5118b\` |
| \`train.csv\` | 199,681 | \`cf46f219b4595fa214d99d42a85ccd5e7137499efaa54e4705eaf25653b09f14\` |

Copied by a helper session from a stored GitHub snapshot. The copies were not modified.
`,
  'skab': `# SKAB — Skoltech Anomaly Benchmark (water-pump testbed) — task 3: machine fault detection / diagnosis

- **Original dataset:** SKAB v0.9. It holds real sensor data recorded on an IIoT water-circulation testbed: an electric motor driving a pump, with valves, a tank and a loop. The testbed is at Skoltech. Faults were physically induced on the rig (valve closing, rotor imbalance, cavitation, leaks, and so on). The data are **recorded, not simulated**.
- **Citation:** Katser, I. D., Kozitsin, V. O. (2020). Skoltech Anomaly Benchmark (SKAB). Kaggle. doi:10.34740/KAGGLE/DSV/1693952. https://github.com/waico/SKAB
- **Licence:** GNU GPL v3.0, as declared by the repository. The full text is copied here as \`LICENSE-GPL-3.0.txt\`, from the repo's \`LICENSE\`.
- **Copied from:** GitHub \`waico/SKAB\`, directory \`data/\`, commit \`b2c0d46c2971dcbfe71e26087b6d231998bb91c2\` (2024-08-11). All 35 CSVs of v0.9 were present and are byte-identical to their blobs. One file, \`valve1/15.csv\`, was moved to the hold-out.

## Files and fault classes (from \`data/README.md\` in the repo)
| folder | files here | fault type |
|---|---|---|
| \`anomaly-free/\` | \`anomaly-free.csv\` (9,405 rows) | normal operation only |
| \`valve1/\` | \`0.csv\`…\`14.csv\` (15 runs; run 15 is held out) | valve closing at the flow **inlet** to the pump |
| \`valve2/\` | \`0.csv\`…\`3.csv\` (4 runs) | valve closing at the **outlet** of the pump |
| \`other/\` | \`1.csv\`–\`4.csv\` | fluid leaks and fluid additions |
|  | \`5.csv\`–\`9.csv\` | rotor imbalance: sharp, linear, step, Dirac-delta and exponential behaviour |
|  | \`10.csv\` | slow increase of water in the circuit |
|  | \`11.csv\` | sudden increase of water in the circuit |
|  | \`12.csv\` | draining water from the tank until cavitation |
|  | \`13.csv\` | two-phase flow at the pump inlet (cavitation) |
|  | \`14.csv\` | water supply of increased temperature |

Note that the repo's \`data/README.md\` numbers the valve files from 1, but the actual files are numbered from 0.

## Columns (\`;\`-separated)
| column | unit |
|---|---|
| datetime | \`YYYY-MM-DD hh:mm:ss\` |
| Accelerometer1RMS, Accelerometer2RMS | vibration RMS, g |
| Current | motor current, A |
| Pressure | loop pressure after the pump, bar |
| Temperature | motor body temperature, °C |
| Thermocouple | fluid temperature in the loop, °C |
| Voltage | motor voltage, V |
| Volume Flow RateRMS | circulation flow rate, l/min |
| anomaly | 0/1 label (absent in \`anomaly-free.csv\`) |
| changepoint | 0/1 collective-anomaly changepoint (absent in \`anomaly-free.csv\`) |

- **Shape:** 11 columns (9 in \`anomaly-free.csv\`).
- **Rows per run:** 745–1,327 (valve1 runs about 1,075–1,154). The 34 files here hold 45,656 rows in total; with the hold-out run, all 35 files hold 46,806 rows.
- **Interval:** about 1 s.
- **Suits:**
  - time-step fault detection, using the \`anomaly\` column;
  - changepoint detection;
  - run-level fault-type classification, with the folder or run id as the class (valve1 / valve2 / leak / rotor imbalance / water level / cavitation / temperature).
- **Held-out counterpart:** \`holdout/datasets/skab/valve1/15.csv\`.
- **Published baselines (repo README, "Proposed Leaderboard", test part of each file, outlier detection):**
  - Conv-AE: F1 0.78 (FAR 13.55%, MAR 28.02%)
  - MSET: F1 0.78
  - T²+Q (PCA): F1 0.76
  - LSTM-AE: F1 0.74
  - Isolation forest: F1 0.29

  For changepoint detection, NAB (standard) scores are MSCRED 32.42 and Isolation forest 26.16.

## Files in this folder (verified: byte-identical to the source git blob, not a Git LFS pointer, not truncated)
| file | bytes | sha256 |
|---|---|---|
| \`LICENSE-GPL-3.0.txt\` | 35,149 | \`3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986\` |
| \`anomaly-free/anomaly-free.csv\` | 814,703 | \`7641a8742957100ef424dd97adfb3eeab27d4d180645fe2b3c49b7f7146ae9a6\` |
| \`other/1.csv\` | 70,326 | \`3beaf861bdfe9b4f4eff8e7567c1dd3f506fbd0ce667fc9399d04bd2dc70623d\` |
| \`other/10.csv\` | 124,516 | \`72683644f6f17689f619076a66a9ec02cbc0502bd669924c4c33951d1bdad9b0\` |
| \`other/11.csv\` | 112,720 | \`98a2fff3b6516205ae2e12f2dd30d7f08465fe4321a1bd5cf823396985ecb37b\` |
| \`other/12.csv\` | 99,534 | \`b0882efbcf2669223ae78bee61c9f10074a9b2375f0e86b8957ae5ce4aad1e72\` |
| \`other/13.csv\` | 87,634 | \`b3f1da02064d11234836a9fa1a2536bb0d3b6c6998ab60b0b71869b98e94d860\` |
| \`other/14.csv\` | 85,828 | \`c7f361e55397cc9efd4a76b6876111eda79b650d10aeb007342ca5972152eaef\` |
| \`other/2.csv\` | 73,661 | \`951c326bf36366fa7615b8f28d22f80b3878036069a690f42b3e223737a6a8d1\` |
| \`other/3.csv\` | 107,404 | \`f3c19a89f74f62a475c246b9263f161f7a734dd88304de803939cebaa55c7ebd\` |
| \`other/4.csv\` | 112,334 | \`56ca23f4eb61d1347d079eb9a35c60a59b8b64e160c00dd0c2ec69e0df0b2a4b\` |
| \`other/5.csv\` | 108,203 | \`7347b326df3a92c0810c69add0e5621939af7a1c1cb4755081d088e72d36920f\` |
| \`other/6.csv\` | 107,422 | \`eb8f05622a62c855040ea358b87be35fb1a4a3720ba0610569bab384db4b6e04\` |
| \`other/7.csv\` | 102,054 | \`1bee14f49bfc817ba2c335fb427baa71153d8f8ab52e72652f15f74e4b77daec\` |
| \`other/8.csv\` | 107,600 | \`12c138ed99c198e0a7ece886fe01bfd16bbdde206fad6c5d74322b6b9d6488d0\` |
| \`other/9.csv\` | 108,481 | \`11c4514b0bc706acff637fea6707ad9258ac878fe9dff3d0b11d2b618d94d8ea\` |
| \`valve1/0.csv\` | 110,346 | \`16af3f71313a23dd33d9b7b8065d836d05c3f9257588881cc7fbe07c076d9dc8\` |
| \`valve1/1.csv\` | 110,330 | \`fe4493bf805baef4e6dfb864094275d8cc2ea80a16b3735e2752b18b6aefd812\` |
| \`valve1/10.csv\` | 110,623 | \`ee16be8e4b870c779491e3d1dc9e0ecbfaf29eb013e032abff7a33f2cbbfe2ad\` |
| \`valve1/11.csv\` | 110,166 | \`89660fae4ed5c918db014409bbbc29f498fd99c7e956fab2620d18dea700a973\` |
| \`valve1/12.csv\` | 110,061 | \`90adfa9bc86d4556e6a4ce734436fd5685af79c189cd9828f8df75a7f468ce07\` |
| \`valve1/13.csv\` | 110,455 | \`d6cb6a97437215d3066a87e1fcc5fa4e68017629c043c5315920e3cf1060841c\` |
| \`valve1/14.csv\` | 110,181 | \`5f0bb9bc33c5e6c259263e32e25915c4d24c82b0a94554d48808626da05c1d71\` |
| \`valve1/2.csv\` | 103,507 | \`90492413469261886c8896c327241448df5da73fd7739cabfec8dd82de3c0ce4\` |
| \`valve1/3.csv\` | 110,534 | \`cb6afea108eddfd8447307e405f86bbb764b8d8e9130d7849a46e1303e19b8b2\` |
| \`valve1/4.csv\` | 105,634 | \`983aed9dc09991a57911091373c580e1b86d06aa983cd51678f108fd8d709654\` |
| \`valve1/5.csv\` | 111,575 | \`78974991ec87b7f9b9b6b2944f4b525468a9beb36c59b06cd7650d9a15eca14a\` |
| \`valve1/6.csv\` | 111,676 | \`97469c0e0c9c0e0ee5d30794f1f36c6785df5816a112a8b16c59637e8c894685\` |
| \`valve1/7.csv\` | 105,941 | \`ca2c9c6d6fa302c642acec6fbedac495bd12fececeee0a755d45a54e340e0f30\` |
| \`valve1/8.csv\` | 110,305 | \`0c4afb92248b5b35b4c9d734a91ed8318346901f04579074903730569e60416c\` |
| \`valve1/9.csv\` | 110,586 | \`2aa1ae1b2ff505caecda24802b877dc686924bbbeeb7e7db4faa261efb5ed5bd\` |
| \`valve2/0.csv\` | 109,156 | \`a6670e7a68c7c6ba62c649bd9d350633e80db624578e9529f2b736ced5e32bde\` |
| \`valve2/1.csv\` | 102,680 | \`b35d27f664eb0851ab73e5eb06633404c7eeaf532edff7e40c68eb9379f2012b\` |
| \`valve2/2.csv\` | 109,005 | \`2c3005cf28b88db715b7f4694e826ff252cba4dbb1eba679b040961f80477e60\` |
| \`valve2/3.csv\` | 96,048 | \`86927555d5c523e587d41500bd5dee4e2468289ec1b988ac17755aeae697d7f8\` |

Copied by a helper session from a stored GitHub snapshot. The copies were not modified.
`,
};
