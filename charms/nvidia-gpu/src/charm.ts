/**
 * nvidia-gpu: a subordinate that installs the NVIDIA driver and publishes the machine's GPUs
 * to slurmd over the container-scoped `gpu` relation. Every event runs one holistic
 * reconcile: detect → (install the driver → reboot if needed) → publish → status.
 */
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  MaintenanceStatus,
  PackageError,
  isEntryPoint,
  main,
  type CollectStatusEvent,
  type Framework,
  type Machine,
  type StatusBase,
} from '../../../framework/ops/index.js';
import { GpuProvider } from '../../../relations/gpu.js';
import { chooseDriverPackages, detectGpus, needsReboot, type GpuDetection } from '../../lib/nvidia/index.js';
import { groupGpus, loadedMessage, loadedUnitData, packageName, parseDriverPackages } from './gpus.js';

/** Changes at every boot: tells a hook whether the machine rebooted since the driver was installed. */
export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

async function bootId(machine: Machine): Promise<string | null> {
  if (!(await machine.files.exists(BOOT_ID_PATH))) return null;
  return (await machine.files.read(BOOT_ID_PATH)).trim() || null;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

export class NvidiaGpuCharm extends CharmBase {
  readonly gpu = new GpuProvider(this, 'gpu');
  /**
   * `installBoot`: the boot in which this charm installed driver packages ('' when none is
   * pending, 'unknown' where the machine has no boot id); `rebootRequested` since then.
   */
  readonly stored = this.storedState<{ installBoot: string; rebootRequested: boolean }>('stored', {
    installBoot: '',
    rebootRequested: false,
  });
  /** What the last reconcile of this dispatch concluded; collect-status reports it. */
  private status: StatusBase | undefined;

  constructor(framework: Framework) {
    super(framework);
    for (const event of [
      this.on.install,
      this.on.start,
      this.on.configChanged,
      this.on.updateStatus,
      this.on.upgradeCharm,
      this.on.relationCreated('gpu'),
      this.on.relationJoined('gpu'),
    ]) {
      this.observe(event, this.reconcile);
    }
    this.observe(this.on.collectUnitStatus, this.onCollectUnitStatus);
  }

  async reconcile(): Promise<void> {
    this.status = await this.converge();
  }

  onCollectUnitStatus(event: CollectStatusEvent): void {
    if (this.status) event.addStatus(this.status);
  }

  private async converge(): Promise<StatusBase> {
    const option = parseDriverPackages(String(this.config['driver-packages'] ?? ''));
    if ('error' in option) return new BlockedStatus(`Invalid config: driver-packages: ${option.error}`);

    let found = await detectGpus(this.machine);
    if (found.state === 'no-driver') {
      // slurmd must not declare gres until the driver names the GPUs as NVML does.
      this.gpu.publishDevices({ devices: [], ready: false });
      const stop = await this.installDriver(option.packages);
      if (stop) return stop;
      found = await detectGpus(this.machine); // some packages load the module at once
    }
    return this.report(found);
  }

  /** Publish what is on the machine now and say so. */
  private async report(found: GpuDetection): Promise<StatusBase> {
    switch (found.state) {
      case 'none':
        this.forgetInstall();
        this.gpu.publishDevices({ devices: [], ready: true });
        // Not a success to pretend: the unit has nothing to drive, and the operator should know.
        return new BlockedStatus('no NVIDIA GPU on this machine');
      case 'driver-loaded': {
        this.forgetInstall();
        const groups = groupGpus(found.devices);
        this.gpu.publishDevices(loadedUnitData(groups, found.driverVersion));
        return new ActiveStatus(loadedMessage(groups, found.driverVersion));
      }
      case 'no-driver':
        return this.awaitDriver(found.smiError);
    }
  }

  /** Install the driver packages that are missing; a status when the charm cannot go on. */
  private async installDriver(configured: readonly string[]): Promise<StatusBase | undefined> {
    let packages = [...configured];
    if (packages.length === 0) {
      let choice: Awaited<ReturnType<typeof chooseDriverPackages>>;
      try {
        choice = await chooseDriverPackages(this.machine);
      } catch (error) {
        // What the machine answered (no os-release, no ubuntu-drivers…): the operator must act.
        if (!(error instanceof Error)) throw error;
        return new BlockedStatus(`cannot choose NVIDIA driver packages: ${lastLine(error.message)}`);
      }
      if (!choice.ok) return new BlockedStatus(choice.reason);
      packages = choice.packages;
    }
    const missing: string[] = [];
    for (const spec of packages) {
      if ((await this.machine.packages.version(packageName(spec))) === null) missing.push(spec);
    }
    if (missing.length === 0) return undefined;
    // apt can take minutes: show what is happening while it runs.
    this.unit.status = new MaintenanceStatus(`installing ${missing.join(' ')}`);
    try {
      await this.machine.packages.install(missing);
    } catch (error) {
      if (!(error instanceof PackageError)) throw error;
      return new BlockedStatus(`cannot install ${missing.join(' ')}: ${lastLine(error.message)}`);
    }
    this.stored.installBoot = (await bootId(this.machine)) ?? 'unknown';
    this.stored.rebootRequested = false;
    return undefined;
  }

  private forgetInstall(): void {
    this.stored.installBoot = '';
    this.stored.rebootRequested = false;
  }

  /**
   * The driver is installed but not loaded. A reboot is due when the machine has not booted
   * since the install, or once when a package asked for one (/var/run/reboot-required); after
   * that, rebooting again would loop, so the charm blocks with nvidia-smi's words.
   */
  private async awaitDriver(smiError: string): Promise<StatusBase> {
    const { installBoot, rebootRequested } = this.stored;
    const boot = await bootId(this.machine);
    // Without a boot id, one requested reboot stands for "booted since the install".
    const notBootedSince = installBoot !== '' && (boot === null ? !rebootRequested : installBoot === boot);
    const askedFor = !rebootRequested && (await needsReboot(this.machine));
    if (!notBootedSince && !askedFor) {
      const after = installBoot !== '' || rebootRequested ? ' after a reboot' : '';
      return new BlockedStatus(
        `the NVIDIA driver is installed but not loaded${after}: ${lastLine(smiError)}`,
      );
    }
    if (this.config['auto-reboot'] !== true)
      return new BlockedStatus('reboot needed to load the NVIDIA driver');
    // As juju-reboot without --now: Juju reboots once this hook has committed.
    this.unit.reboot(false);
    this.stored.rebootRequested = true;
    return new MaintenanceStatus('rebooting to load the NVIDIA driver');
  }
}

if (isEntryPoint(import.meta.url)) await main(NvidiaGpuCharm);
