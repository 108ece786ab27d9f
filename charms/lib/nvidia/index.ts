/** NVIDIA GPU workload logic for the nvidia-gpu charm: detection, driver choice and Slurm gres. */
export * from './apt-sources.js';
export * from './driver.js';
export * from './gres.js';
export * from './pci.js';
export * from './smi.js';
