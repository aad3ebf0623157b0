import { useEffect } from 'react';
import { ChannelPicker } from './components/ChannelPicker.tsx';
import { ConditionsPanel } from './components/ConditionsPanel.tsx';
import { ExportPanel } from './components/ExportPanel.tsx';
import { Header, SyntheticBanner } from './components/Header.tsx';
import { ImagePanel } from './components/ImagePanel.tsx';
import { LabPanel } from './components/LabPanel.tsx';
import { QualityPanel } from './components/QualityPanel.tsx';
import { RdmPanel } from './components/RdmPanel.tsx';
import { StatsPanel } from './components/StatsPanel.tsx';
import { SubjectsPanel } from './components/SubjectsPanel.tsx';
import { TimecoursePanel } from './components/TimecoursePanel.tsx';
import { TimePicker } from './components/TimePicker.tsx';
import { TopomapPanel } from './components/TopomapPanel.tsx';
import { holdPlots, startPlotly, warmUpPlotly } from './components/Plot.tsx';
import { init } from './actions/start.ts';
import { useApp } from './state/store.ts';

let started = false;

export function App() {
  useEffect(() => {
    // Once per page, also under React's development double-invocation of effects.
    if (started) return;
    started = true;
    // plotly draws wait while images encode (see holdPlots)
    useApp.subscribe((s) => holdPlots(s.status.state === 'encoding'));
    // plotly (its own 4.6 MB chunk) loads once the model is ready (or failed to load), and then
    // when the page is idle: evaluating it is a long task that would otherwise hold back the
    // model's start and, after a reload, the first drawing of the restored views.
    void init().finally(() => {
      const go = () => {
        startPlotly();
        warmUpPlotly();
      };
      if (typeof requestIdleCallback === 'function') requestIdleCallback(go, { timeout: 3000 });
      else go();
    });
  }, []);
  return (
    <div className="app">
      <Header />
      <SyntheticBanner />
      <main className="layout">
        <aside className="left">
          <ImagePanel />
          <SubjectsPanel />
          <ExportPanel />
        </aside>
        {/* Before the plots in the document (grid areas place it beside them): Tab reaches the
            inputs (images, channels, time) before the views, and phones stack it above the plots. */}
        <aside className="right">
          <ChannelPicker />
        </aside>
        <div className="center">
          <TimePicker />
          <div className="plots">
            <TopomapPanel />
            <TimecoursePanel />
          </div>
          <ConditionsPanel />
          <StatsPanel />
          <LabPanel />
          <RdmPanel />
          <QualityPanel />
        </div>
      </main>
      <footer className="footer">
        Re-implementation of BERG (Gifford et al.) eeg-things_eeg_2-alexnet_untrained on TF.js. Sensor positions: MNE-Python standard_1005
        montage. Outputs are in the units of the preprocessed THINGS EEG2 data: arbitrary units of current-source-density transformed,
        baseline-corrected EEG (0.03–100 Hz, 200 Hz), as BERG's model card describes them.
      </footer>
    </div>
  );
}
