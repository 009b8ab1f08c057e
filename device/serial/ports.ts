// Serial port discovery that never rejects: SerialPort.list() rejects when `udevadm` is
// missing (containers) and never lists ptys (the virtual board), so callers get whatever
// could be found plus the reason when listing failed, and let the user type a path.
import { SerialPort } from 'serialport';

export interface PortInfo { path: string; manufacturer?: string; serialNumber?: string; vendorId?: string; productId?: string }

export async function listSerialPorts(): Promise<{ ports: PortInfo[]; error?: string }> {
  try {
    const ports = await SerialPort.list();
    return { ports: ports.map((p) => ({ path: p.path, manufacturer: p.manufacturer, serialNumber: p.serialNumber, vendorId: p.vendorId, productId: p.productId })) };
  } catch (e) {
    return { ports: [], error: `cannot list serial ports (${(e as Error)?.message ?? String(e)}); type the port path instead` };
  }
}
