function [lo, hi] = cardiokit_wfilters(name)
  % Decomposition filters (Lo_D, Hi_D) of the wavelets ECGdeli names, in MATLAB's
  % wfilters convention (values as tabulated by PyWavelets 1.8.0).
  switch lower(name)
    case {'haar', 'db1'}
      lo = [0.7071067811865476 0.7071067811865476];
      hi = [-0.7071067811865476 0.7071067811865476];
    case 'rbio3.3'
      lo = [0.0 0.0 0.1767766952966369 0.5303300858899106 0.5303300858899106 0.1767766952966369 0.0 0.0];
      hi = [-0.06629126073623882 -0.1988737822087165 0.15467960838455727 0.9943689110435825 -0.9943689110435825 -0.15467960838455727 0.1988737822087165 0.06629126073623882];
    otherwise
      error('cardiokit_wfilters: wavelet %s is not tabulated', name);
  end
end
