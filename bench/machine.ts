// The machine every bench JSON written in Node records: src/app/machine.ts (doctor prints the same).
export { machineInfo, type MachineInfo } from '../src/app/machine.ts';
