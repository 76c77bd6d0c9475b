// Generated from the files in shared/datasets (sizes and sha256 computed from them); test/manifest.test.ts checks it still matches.
import type { DatasetManifest } from './manifest-types.js';

/**
 * Every shared data set: where each file comes from and what it must hash to.
 *
 * Each URL is the raw file at the pinned commit of the GitHub snapshot named under "Copied from" in the
 * data set's SOURCE.md; SOURCE.md says the shared files are byte-identical to those blobs, so the
 * checksums are the ones downloads must match. No archive needs unpacking: every file is served as is
 * (a renamed file's URL names its original path). SOURCE.md is written by this project and ships
 * inside this package (source-notes.ts). `upstream` names the original publication and says whether
 * it would yield the same bytes.
 */
export const DATASET_MANIFEST: readonly DatasetManifest[] = [
  {
    folder: 'air-quality-uci-italy',
    title: 'Air Quality (UCI, Italian city multisensor device)',
    snapshot: { repository: 'https://github.com/ahmetmenevse/UCI_airquality', commit: '7a5b1d23b342177edcb1775e2b012057fdc41cb3' },
    upstream: { url: 'https://archive.ics.uci.edu/ml/datasets/Air+Quality', sameBytes: false, note: 'Converted, not the UCI file: UCI\'s AirQualityUCI.csv (in its zip) is semicolon-separated with decimal commas, times like 18.00.00, original headers and trailing empty columns/rows; this copy is comma-separated with decimal points, HH:MM:SS times and renamed headers (values look unchanged). Only the pinned GitHub snapshot yields these bytes.' },
    files: [
      { path: 'AirQualityUCI.csv', size: 740514, sha256: '5d04e790353ece1e263ad4251c6c285c076cbc55aaa0cb70e06214e1a265ec15', url: 'https://raw.githubusercontent.com/ahmetmenevse/UCI_airquality/7a5b1d23b342177edcb1775e2b012057fdc41cb3/AirQualityUCI.csv' },
      { path: 'SOURCE.md', size: 3477, sha256: 'de15ddde8c89e4f1144301a7573610cc14d913712c01851ae92c2dc9c26061ad', bundled: true },
    ],
  },
  {
    folder: 'beijing-multisite-air-quality',
    title: 'Beijing Multi-Site Air-Quality (UCI 501)',
    snapshot: { repository: 'https://github.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis', commit: '0aa46c055fcca7da49ebac9329435ffe674b74c3' },
    upstream: { url: 'https://archive.ics.uci.edu/dataset/501/beijing+multi+site+air+quality+data', sameBytes: 'unknown', note: 'UCI distributes the 12 station CSVs in a zip; byte identity of these files with the zip\'s members was not verified offline. Station Dongsi is held out and not fetched.' },
    files: [
      { path: 'PRSA_Data_Aotizhongxin_20130301-20170228.csv', size: 2835916, sha256: 'a94fbcfc71708b6ffdc033360163d91efb7f675e496f6b5860929aa96b96351b', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Aotizhongxin_20130301-20170228.csv' },
      { path: 'PRSA_Data_Changping_20130301-20170228.csv', size: 2722295, sha256: 'a2e21402a6d95fb7043f87959e6e3dcbecb957aac356a6f8028a85b047c772e7', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Changping_20130301-20170228.csv' },
      { path: 'PRSA_Data_Dingling_20130301-20170228.csv', size: 2675856, sha256: '3d8dff81f18a80d9f455876a785642bffe1e9b9924ec1e6b7ce8cca790432eeb', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Dingling_20130301-20170228.csv' },
      { path: 'PRSA_Data_Guanyuan_20130301-20170228.csv', size: 2695860, sha256: '59390fee3b032597b387491f5230e7edb90a8558e30217ebd6d9befbe669fbf9', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Guanyuan_20130301-20170228.csv' },
      { path: 'PRSA_Data_Gucheng_20130301-20170228.csv', size: 2654625, sha256: '10ae48801ea55869fee56a48b885fb1127859c130551888d71673f34216ba951', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Gucheng_20130301-20170228.csv' },
      { path: 'PRSA_Data_Huairou_20130301-20170228.csv', size: 2641027, sha256: '812dcbe848b3ba2c2d25731064797bff803c46eb0c602156a1fa044df136dc26', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Huairou_20130301-20170228.csv' },
      { path: 'PRSA_Data_Nongzhanguan_20130301-20170228.csv', size: 2839705, sha256: '572cf87b65ef543cd55d3a711b28474def224a46b0ec3fc8add8aaf13b67a487', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Nongzhanguan_20130301-20170228.csv' },
      { path: 'PRSA_Data_Shunyi_20130301-20170228.csv', size: 2620654, sha256: '520b59e4ead3b0cfe7f1ed673e30275de8441e999db6f413d5172d2277b8c15a', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Shunyi_20130301-20170228.csv' },
      { path: 'PRSA_Data_Tiantan_20130301-20170228.csv', size: 2655061, sha256: '0743e34799cf1ee36195b73321b91baa5625276532e7263c588f68cdef3b4daa', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Tiantan_20130301-20170228.csv' },
      { path: 'PRSA_Data_Wanliu_20130301-20170228.csv', size: 2659544, sha256: '0b1a6d754a07f0def2f55434ddfa3870dcd0063b7f766a6f66b6c11bb05a377a', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Wanliu_20130301-20170228.csv' },
      { path: 'PRSA_Data_Wanshouxigong_20130301-20170228.csv', size: 2871076, sha256: 'ab1d6a356d6997a45f6d657ad47de1e05a4a08d4a7015b38a329a90665ab74d0', url: 'https://raw.githubusercontent.com/Peiris94-dev/Beijing-Multi-Site-Air-Quality-Analysis/0aa46c055fcca7da49ebac9329435ffe674b74c3/PRSA_Data_Wanshouxigong_20130301-20170228.csv' },
      { path: 'SOURCE.md', size: 4026, sha256: '547cc364478d5790edc0649fd2a59a8b0adc2eb4355a4119682267d940ef01f5', bundled: true },
    ],
  },
  {
    folder: 'gas-turbine-co-nox-tey',
    title: 'Gas Turbine CO and NOx Emission (UCI)',
    snapshot: { repository: 'https://github.com/xiao-lin-ux/ChE352-Process-Simulation', commit: 'cab09e17231669680a14527ea1ee6b7a008d1611' },
    upstream: { url: 'https://archive.ics.uci.edu/ml/datasets/Gas+Turbine+CO+and+NOx+Emission+Data+Set', sameBytes: 'unknown', note: 'The snapshot holds the unzipped UCI archive (its __MACOSX forks not copied); byte identity with the current UCI zip was not verified offline. gt_2015.csv is held out and not fetched.' },
    files: [
      { path: 'description.csv', size: 584, sha256: '3b52bc8dcd24129ee0148f427ba9e13c8b990cf85243bf7e7b33d7d9a55966ab', url: 'https://raw.githubusercontent.com/xiao-lin-ux/ChE352-Process-Simulation/cab09e17231669680a14527ea1ee6b7a008d1611/lecture6/co_nox_dataset/description.csv' },
      { path: 'gt_2011.csv', size: 562921, sha256: 'd87ceef9aa59533cc7d924d10de241b1b06ecd11f9b26bab59191ea0f8a76b9a', url: 'https://raw.githubusercontent.com/xiao-lin-ux/ChE352-Process-Simulation/cab09e17231669680a14527ea1ee6b7a008d1611/lecture6/co_nox_dataset/gt_2011.csv' },
      { path: 'gt_2012.csv', size: 577617, sha256: 'be54b9d0e1a7de40c55d32fa489e75de892b000c066b5a09f09a19124ee29100', url: 'https://raw.githubusercontent.com/xiao-lin-ux/ChE352-Process-Simulation/cab09e17231669680a14527ea1ee6b7a008d1611/lecture6/co_nox_dataset/gt_2012.csv' },
      { path: 'gt_2013.csv', size: 540334, sha256: '13c437bb440ec2045bd12057e6654c41dd4107a661eac16ba2e878e897a08f9e', url: 'https://raw.githubusercontent.com/xiao-lin-ux/ChE352-Process-Simulation/cab09e17231669680a14527ea1ee6b7a008d1611/lecture6/co_nox_dataset/gt_2013.csv' },
      { path: 'gt_2014.csv', size: 541009, sha256: 'c2a03c92c9c3207aad0c6be7de8d9b5b4bfa4720ad0efb2c1f21b6cec4d3f3fa', url: 'https://raw.githubusercontent.com/xiao-lin-ux/ChE352-Process-Simulation/cab09e17231669680a14527ea1ee6b7a008d1611/lecture6/co_nox_dataset/gt_2014.csv' },
      { path: 'readme.txt', size: 1256, sha256: '031271acfc29c9e922abbaa07d4ec3ea9e44180df467c4aa3c80b37dcea52732', url: 'https://raw.githubusercontent.com/xiao-lin-ux/ChE352-Process-Simulation/cab09e17231669680a14527ea1ee6b7a008d1611/lecture6/co_nox_dataset/readme.txt' },
      { path: 'SOURCE.md', size: 4296, sha256: '8aa0684941283ec82d68afe3b934fd80c10c4d0f40840a0437ec7557e18da69f', bundled: true },
    ],
  },
  {
    folder: 'hydraulic-condition-monitoring-ts',
    title: 'Condition Monitoring of Hydraulic Systems (UCI 447), temperature subset',
    snapshot: { repository: 'https://github.com/luishpinto/cm-hydraulic-data-set', commit: '91199aec67d970c6917949b28bbb94daca285383' },
    upstream: { url: 'https://archive.ics.uci.edu/dataset/447/condition+monitoring+of+hydraulic+systems', sameBytes: 'unknown', note: 'Partial: only TS1-TS4 and profile.txt of UCI\'s archive (the pressure, flow, vibration and virtual sensors are not included); byte identity with UCI\'s zip members was not verified offline. ORIGINAL_README_luishpinto.md is the snapshot\'s README.md (a copy of the UCI description), not a UCI file.' },
    files: [
      { path: 'ORIGINAL_README_luishpinto.md', size: 3232, sha256: 'a8d53ca82056274be543c7fcf628a0be66b4656fc27ae111d67204cb2c143888', url: 'https://raw.githubusercontent.com/luishpinto/cm-hydraulic-data-set/91199aec67d970c6917949b28bbb94daca285383/README.md' },
      { path: 'profile.txt', size: 31196, sha256: '867987ca884b2f0fd607ad3918329eba887d095af2befa21122cea518eaa584a', url: 'https://raw.githubusercontent.com/luishpinto/cm-hydraulic-data-set/91199aec67d970c6917949b28bbb94daca285383/profile.txt' },
      { path: 'SOURCE.md', size: 3770, sha256: 'bb863394a90f90368946036922877dcb2967faf8142d2290e4d813a931318146', bundled: true },
      { path: 'TS1.txt', size: 904586, sha256: '49cae5e9013d8e230698d95f53a98bb77fedfe3c86985b812cf701dcc9ef06d8', url: 'https://raw.githubusercontent.com/luishpinto/cm-hydraulic-data-set/91199aec67d970c6917949b28bbb94daca285383/TS1.txt' },
      { path: 'TS2.txt', size: 910594, sha256: '34115a5b86886d83c0592c1ed259605634a8c83d3a051e97bf3e5790f1db58fa', url: 'https://raw.githubusercontent.com/luishpinto/cm-hydraulic-data-set/91199aec67d970c6917949b28bbb94daca285383/TS2.txt' },
      { path: 'TS3.txt', size: 908805, sha256: 'cc271852b4caad39a3b8f5c36d948b57f6cab761dad8b4c7bdd7cb7e99c0b980', url: 'https://raw.githubusercontent.com/luishpinto/cm-hydraulic-data-set/91199aec67d970c6917949b28bbb94daca285383/TS3.txt' },
      { path: 'TS4.txt', size: 910127, sha256: '548b903f7cd4ea7f2497c0063bdda4bdf8793d55ff43a7d694b8cb835eaf2f55', url: 'https://raw.githubusercontent.com/luishpinto/cm-hydraulic-data-set/91199aec67d970c6917949b28bbb94daca285383/TS4.txt' },
    ],
  },
  {
    folder: 'los-loop-metr-la-speed',
    title: 'Los-loop (METR-LA subset used by T-GCN)',
    snapshot: { repository: 'https://github.com/lehaifeng/T-GCN', commit: '219a2346f5bf68d54d91a948e7a41a08f9edc46b' },
    upstream: { url: 'https://github.com/lehaifeng/T-GCN', sameBytes: true, note: 'The T-GCN authors prepared this subset; their repository is the original. The licence file is T-GCN/T-GCN-PyTorch/LICENSE (it covers the code, not the data).' },
    files: [
      { path: 'LICENSE-T-GCN-PyTorch-code-MIT.txt', size: 1066, sha256: '9d3dc106991d2a8c963e4d93ebca37b822b50c0d2b24c832d82002ce243cbe9f', url: 'https://raw.githubusercontent.com/lehaifeng/T-GCN/219a2346f5bf68d54d91a948e7a41a08f9edc46b/T-GCN/T-GCN-PyTorch/LICENSE' },
      { path: 'los_adj.csv', size: 111686, sha256: '7a6eb41e10677992b5af50f5ab187c6c05c5c3a92cb973950cfddbf857361e76', url: 'https://raw.githubusercontent.com/lehaifeng/T-GCN/219a2346f5bf68d54d91a948e7a41a08f9edc46b/data/los_adj.csv' },
      { path: 'los_speed.csv', size: 3402125, sha256: '7b732d86ae32b2930595becba28aff39dacbfb2197e250fc0332e1744ce2cbf4', url: 'https://raw.githubusercontent.com/lehaifeng/T-GCN/219a2346f5bf68d54d91a948e7a41a08f9edc46b/data/los_speed.csv' },
      { path: 'SOURCE.md', size: 2842, sha256: '259f5f9e278d26cd165673c934f4a241efc3cf29cc77aa3ac31ad81c22bf4740', bundled: true },
    ],
  },
  {
    folder: 'metro-interstate-traffic-volume',
    title: 'Metro Interstate Traffic Volume (UCI 492)',
    snapshot: { repository: 'https://github.com/CodyTheCoderPrice/Finding-Heavy-Traffic-Indicators-on-I94', commit: '71a5b54c34abb30e8e72fa0032d3898e3996e5f3' },
    upstream: { url: 'https://archive.ics.uci.edu/dataset/492/metro+interstate+traffic+volume', sameBytes: 'unknown', note: 'UCI distributes Metro_Interstate_Traffic_Volume.csv.gz; this CSV has the same header, first and last rows and row count, but byte identity with the gunzipped UCI file was not verified offline.' },
    files: [
      { path: 'Metro_Interstate_Traffic_Volume.csv', size: 3188251, sha256: '3ec6b8844c4e5e20904855c81079a30e4342da20b7010e78606a244e539f29f6', url: 'https://raw.githubusercontent.com/CodyTheCoderPrice/Finding-Heavy-Traffic-Indicators-on-I94/71a5b54c34abb30e8e72fa0032d3898e3996e5f3/Metro_Interstate_Traffic_Volume.csv' },
      { path: 'SOURCE.md', size: 3002, sha256: '1ea922c9bfb049438929284756143c4cee0284cc529726dbf0d171989a728ab8', bundled: true },
    ],
  },
  {
    folder: 'pems-detector-5min-flow',
    title: 'PeMS single-detector 5-min flow (xiaochus/TrafficFlowPrediction), train split',
    snapshot: { repository: 'https://github.com/xiaochus/TrafficFlowPrediction', commit: 'dec8243eb4ebe728d44d1ac73f38c2d3aaa9fd81' },
    upstream: { url: 'https://github.com/xiaochus/TrafficFlowPrediction', sameBytes: true, note: 'The repository packaged this train/test pair from Caltrans PeMS (https://pems.dot.ca.gov/); it is the original. test.csv is held out and not fetched. The licence URL assumes the repository root LICENSE (the file was not in the offline index to confirm the path).' },
    files: [
      { path: 'LICENSE-xiaochus-TrafficFlowPrediction-MIT.txt', size: 1062, sha256: '9bbc5c5cded26ded72af03c19e527d6545520e6f892f64cdc97cc57080f5118b', url: 'https://raw.githubusercontent.com/xiaochus/TrafficFlowPrediction/dec8243eb4ebe728d44d1ac73f38c2d3aaa9fd81/LICENSE' },
      { path: 'SOURCE.md', size: 2883, sha256: '0bd5405a5087fb6544c8da2b8ec39475301910cad6974369cb57f4dd57384c3f', bundled: true },
      { path: 'train.csv', size: 199681, sha256: 'cf46f219b4595fa214d99d42a85ccd5e7137499efaa54e4705eaf25653b09f14', url: 'https://raw.githubusercontent.com/xiaochus/TrafficFlowPrediction/dec8243eb4ebe728d44d1ac73f38c2d3aaa9fd81/data/train.csv' },
    ],
  },
  {
    folder: 'skab',
    title: 'SKAB - Skoltech Anomaly Benchmark v0.9',
    snapshot: { repository: 'https://github.com/waico/SKAB', commit: 'b2c0d46c2971dcbfe71e26087b6d231998bb91c2' },
    upstream: { url: 'https://github.com/waico/SKAB', sameBytes: true, note: 'The authors\' repository is the original. valve1/15.csv is held out and not fetched.' },
    files: [
      { path: 'anomaly-free/anomaly-free.csv', size: 814703, sha256: '7641a8742957100ef424dd97adfb3eeab27d4d180645fe2b3c49b7f7146ae9a6', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/anomaly-free/anomaly-free.csv' },
      { path: 'LICENSE-GPL-3.0.txt', size: 35149, sha256: '3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/LICENSE' },
      { path: 'other/1.csv', size: 70326, sha256: '3beaf861bdfe9b4f4eff8e7567c1dd3f506fbd0ce667fc9399d04bd2dc70623d', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/1.csv' },
      { path: 'other/2.csv', size: 73661, sha256: '951c326bf36366fa7615b8f28d22f80b3878036069a690f42b3e223737a6a8d1', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/2.csv' },
      { path: 'other/3.csv', size: 107404, sha256: 'f3c19a89f74f62a475c246b9263f161f7a734dd88304de803939cebaa55c7ebd', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/3.csv' },
      { path: 'other/4.csv', size: 112334, sha256: '56ca23f4eb61d1347d079eb9a35c60a59b8b64e160c00dd0c2ec69e0df0b2a4b', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/4.csv' },
      { path: 'other/5.csv', size: 108203, sha256: '7347b326df3a92c0810c69add0e5621939af7a1c1cb4755081d088e72d36920f', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/5.csv' },
      { path: 'other/6.csv', size: 107422, sha256: 'eb8f05622a62c855040ea358b87be35fb1a4a3720ba0610569bab384db4b6e04', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/6.csv' },
      { path: 'other/7.csv', size: 102054, sha256: '1bee14f49bfc817ba2c335fb427baa71153d8f8ab52e72652f15f74e4b77daec', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/7.csv' },
      { path: 'other/8.csv', size: 107600, sha256: '12c138ed99c198e0a7ece886fe01bfd16bbdde206fad6c5d74322b6b9d6488d0', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/8.csv' },
      { path: 'other/9.csv', size: 108481, sha256: '11c4514b0bc706acff637fea6707ad9258ac878fe9dff3d0b11d2b618d94d8ea', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/9.csv' },
      { path: 'other/10.csv', size: 124516, sha256: '72683644f6f17689f619076a66a9ec02cbc0502bd669924c4c33951d1bdad9b0', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/10.csv' },
      { path: 'other/11.csv', size: 112720, sha256: '98a2fff3b6516205ae2e12f2dd30d7f08465fe4321a1bd5cf823396985ecb37b', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/11.csv' },
      { path: 'other/12.csv', size: 99534, sha256: 'b0882efbcf2669223ae78bee61c9f10074a9b2375f0e86b8957ae5ce4aad1e72', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/12.csv' },
      { path: 'other/13.csv', size: 87634, sha256: 'b3f1da02064d11234836a9fa1a2536bb0d3b6c6998ab60b0b71869b98e94d860', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/13.csv' },
      { path: 'other/14.csv', size: 85828, sha256: 'c7f361e55397cc9efd4a76b6876111eda79b650d10aeb007342ca5972152eaef', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/other/14.csv' },
      { path: 'SOURCE.md', size: 7152, sha256: '6da63ed2335da7852cb8e8122503646717efe5c1fd1ce951d897df2bc19ca3cc', bundled: true },
      { path: 'valve1/0.csv', size: 110346, sha256: '16af3f71313a23dd33d9b7b8065d836d05c3f9257588881cc7fbe07c076d9dc8', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/0.csv' },
      { path: 'valve1/1.csv', size: 110330, sha256: 'fe4493bf805baef4e6dfb864094275d8cc2ea80a16b3735e2752b18b6aefd812', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/1.csv' },
      { path: 'valve1/2.csv', size: 103507, sha256: '90492413469261886c8896c327241448df5da73fd7739cabfec8dd82de3c0ce4', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/2.csv' },
      { path: 'valve1/3.csv', size: 110534, sha256: 'cb6afea108eddfd8447307e405f86bbb764b8d8e9130d7849a46e1303e19b8b2', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/3.csv' },
      { path: 'valve1/4.csv', size: 105634, sha256: '983aed9dc09991a57911091373c580e1b86d06aa983cd51678f108fd8d709654', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/4.csv' },
      { path: 'valve1/5.csv', size: 111575, sha256: '78974991ec87b7f9b9b6b2944f4b525468a9beb36c59b06cd7650d9a15eca14a', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/5.csv' },
      { path: 'valve1/6.csv', size: 111676, sha256: '97469c0e0c9c0e0ee5d30794f1f36c6785df5816a112a8b16c59637e8c894685', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/6.csv' },
      { path: 'valve1/7.csv', size: 105941, sha256: 'ca2c9c6d6fa302c642acec6fbedac495bd12fececeee0a755d45a54e340e0f30', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/7.csv' },
      { path: 'valve1/8.csv', size: 110305, sha256: '0c4afb92248b5b35b4c9d734a91ed8318346901f04579074903730569e60416c', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/8.csv' },
      { path: 'valve1/9.csv', size: 110586, sha256: '2aa1ae1b2ff505caecda24802b877dc686924bbbeeb7e7db4faa261efb5ed5bd', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/9.csv' },
      { path: 'valve1/10.csv', size: 110623, sha256: 'ee16be8e4b870c779491e3d1dc9e0ecbfaf29eb013e032abff7a33f2cbbfe2ad', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/10.csv' },
      { path: 'valve1/11.csv', size: 110166, sha256: '89660fae4ed5c918db014409bbbc29f498fd99c7e956fab2620d18dea700a973', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/11.csv' },
      { path: 'valve1/12.csv', size: 110061, sha256: '90adfa9bc86d4556e6a4ce734436fd5685af79c189cd9828f8df75a7f468ce07', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/12.csv' },
      { path: 'valve1/13.csv', size: 110455, sha256: 'd6cb6a97437215d3066a87e1fcc5fa4e68017629c043c5315920e3cf1060841c', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/13.csv' },
      { path: 'valve1/14.csv', size: 110181, sha256: '5f0bb9bc33c5e6c259263e32e25915c4d24c82b0a94554d48808626da05c1d71', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve1/14.csv' },
      { path: 'valve2/0.csv', size: 109156, sha256: 'a6670e7a68c7c6ba62c649bd9d350633e80db624578e9529f2b736ced5e32bde', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve2/0.csv' },
      { path: 'valve2/1.csv', size: 102680, sha256: 'b35d27f664eb0851ab73e5eb06633404c7eeaf532edff7e40c68eb9379f2012b', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve2/1.csv' },
      { path: 'valve2/2.csv', size: 109005, sha256: '2c3005cf28b88db715b7f4694e826ff252cba4dbb1eba679b040961f80477e60', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve2/2.csv' },
      { path: 'valve2/3.csv', size: 96048, sha256: '86927555d5c523e587d41500bd5dee4e2468289ec1b988ac17755aeae697d7f8', url: 'https://raw.githubusercontent.com/waico/SKAB/b2c0d46c2971dcbfe71e26087b6d231998bb91c2/data/valve2/3.csv' },
    ],
  },
];
