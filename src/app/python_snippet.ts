// The "Load in Python" recipe shown under Export (and in the README): numpy, then MNE with the
// montage the sensor positions come from and scalings that keep arbitrary units from being
// labelled as volts. test/app/python_snippet.test.ts runs it with MNE on a real export.

/** Python that loads `<stem>.npy` and `<stem>.npy.json` into an mne.EvokedArray and plots it. */
export function pythonSnippet(stem = 'FILE'): string {
  return `import json, numpy as np, mne
x = np.load("${stem}.npy")                       # (images, 4 repetitions, channels, times)
meta = json.load(open("${stem}.npy.json"))
erp = x.mean(axis=1)                          # average the 4 repetitions: (images, channels, times)
# MNE needs unique channel names: a BERG selection may list one twice, keep its first row.
names = list(dict.fromkeys(meta["ch_names"]))
rows = [meta["ch_names"].index(n) for n in names]
info = mne.create_info(names, sfreq=200.0, ch_types="eeg")   # needs contiguous times
evoked = mne.EvokedArray(erp.mean(axis=0)[rows], info, tmin=meta["times"][0], nave=x.shape[0], comment="in-silico EEG")
evoked.set_montage("standard_1005")
# Arbitrary units, not volts: a scaling of 1 and the unit's name keep MNE from showing µV.
evoked.plot(scalings=dict(eeg=1.0), units=dict(eeg="a.u."), titles=dict(eeg="in-silico EEG"))
evoked.plot_topomap(times=[0.1, 0.17], scalings=1.0, units="a.u.")`;
}
